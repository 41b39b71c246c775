#!/usr/bin/env bash
# Breaks the product on purpose, one way at a time, and fails unless the test suite notices
# every breakage: a test that cannot fail is a defect.
#
# Each mutant below is a perl substitution applied to one file of a scratch copy of the working
# tree, followed by `swift test --filter` on the suites that should catch it. A mutant that the
# suites survive, or that no longer applies (the code it breaks moved), fails the run.
#
# Usage:
#   scripts/mutants.sh                # every mutant
#   scripts/mutants.sh NAME...        # only these (names as listed by --list)
#   scripts/mutants.sh --list         # list the mutants
# Environment: MUTANTS_DIR (default .build-mutants) holds the scratch copy and its build, kept
# between runs so that each run after the first builds incrementally. Slow: about a minute or two
# per mutant once built; CI does not run it.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
scratch="${MUTANTS_DIR:-$root/.build-mutants}/tree"

names=()
files=()
substitutions=()
filters=()

# mutant NAME FILE PERL-SUBSTITUTION TEST-FILTER
mutant() {
    names+=("$1")
    files+=("$2")
    substitutions+=("$3")
    filters+=("$4")
}

mutant same-stack-twice \
    Sources/TurnoutTransport/Stacks/TransportStacks.swift \
    's/TransportStacks\(compat: CompatStack\(\), native: NativeStack\(\)\)/TransportStacks(compat: CompatStack(), native: CompatStack())/' \
    'StackLifecycleTests|SDKCompatibilityTests|LiveFlagTests'
mutant inotify-off \
    Sources/TurnoutConfigFile/ConfigFileWatcher.swift \
    's/let fd = inotify_init1\(Int32\(IN_NONBLOCK \| IN_CLOEXEC\)\)/let fd: Int32 = -1/' \
    'ConfigFileWatcherTests|FlagStoreReloadTests'
mutant murmur3-seed \
    Sources/TurnoutFlags/Murmur3.swift \
    's/package init\(seed: UInt32 = 0\)/package init(seed: UInt32 = 1)/' \
    'BucketingTests'
mutant percentage-less-or-equal \
    Sources/TurnoutFlags/FlagSnapshot.swift \
    's/bucket < compiled\.percentage\.hundredths/bucket <= compiled.percentage.hundredths/' \
    'TurnoutFlagsTests'
mutant odd-audio-byte-dropped \
    Sources/TurnoutCore/Sessions/UserSession+Routing.swift \
    's/glasses\.carriedByte = frame\.getInteger\(at: frame\.writerIndex - 1, as: UInt8\.self\)/glasses.carriedByte = nil/' \
    'AudioTests'
mutant app-state-after-microphone \
    Sources/TurnoutCore/Sessions/UserSession+Apps.swift \
    's/(private func appStateChanged\(_ state: inout State, now: Timestamp\) \{\n)(\s*self\.sendToGlasses\(&state, OutboundMessage\.appStateChange\(userId: self\.userId, timestamp: now\)\)\n)/$1        defer { self.sendToGlasses(&state, OutboundMessage.appStateChange(userId: self.userId, timestamp: now)) }\n/' \
    'TurnoutCoreTests'
mutant one-mebibyte-limit-ignored \
    Sources/TurnoutTransport/Stacks/WebSocketStackConfiguration.swift \
    's/maxMessageSize: Int = 1 << 20,/maxMessageSize: Int = 1 << 24,/' \
    'MessageLimitTests'
mutant heartbeat-never-times-out \
    Sources/TurnoutCore/Connection/ConnectionHandle.swift \
    's/(private func pongDeadlinePassed\(token: UInt64\) \{\n)/$1        return\n/' \
    'HeartbeatTests|EndToEndTests'
mutant migrate-closes-1000 \
    Sources/TurnoutServer/StackMigrator.swift \
    's/connection\.close\(code: 1012, reason: "Service restart"\)/connection.close(code: 1000, reason: "Service restart")/' \
    'LiveFlagTests'
mutant app-restarted-at-once \
    Sources/TurnoutCore/Configuration/CoreConfiguration.swift \
    's/appReconnectGracePeriod: Duration = \.seconds\(5\)/appReconnectGracePeriod: Duration = .milliseconds(1)/' \
    'ScenarioRunTests'
mutant init-check-order-swapped \
    Sources/TurnoutCore/Connection/ConnectionHandle.swift \
    's/(        guard let session = self\.registry\.session\(forUser: userId\) else \{\n.*?\n        \}\n)(        guard self\.environment\.apps\.current\.authenticate\(packageName: packageName, apiKey: apiKey\) != nil else \{\n.*?\n        \}\n)/$2$1/s' \
    'AppInitTests'
mutant stop-webhook-overtakes-frames \
    Sources/TurnoutCore/Sessions/UserSession+Apps.swift \
    's/reason: CloseCode\.appStoppedReason, then: stopRequest\)\)/reason: CloseCode.appStoppedReason)); if let stopRequest { state.outbox.append(.webhook(stopRequest)) }/' \
    'AppLifecycleTests|SDKCompatibilityTests'
mutant stream-type-not-as-subscribed \
    Sources/TurnoutCore/Routing/SubscriptionSet.swift \
    's/self\.renamesStreams = !writtenNames\.isEmpty \|\| self\.autoTranscriptionName != nil/self.renamesStreams = false/' \
    'RoutingTests|SDKCompatibilityTests'
mutant tpa-ws-not-served \
    Sources/TurnoutTransport/HTTP/EndpointTable.swift \
    's/, "\/tpa-ws": \.app\]/]/' \
    'UpgradeRouterTests|SDKCompatibilityTests'
mutant compat-close-overtakes-held-messages \
    Sources/TurnoutTransport/Compat/CompatValidatingHandler.swift \
    's/if self\.webSocket == nil, !self\.heldOutbound\.isEmpty, self\.heldClose == nil, self\.machine\.isOpen \{/if false {/' \
    'StackLifecycleTests'
mutant readiness-never-503 \
    Sources/TurnoutServer/ReadinessService.swift \
    's/self\.readiness\.beginDraining\(\)/_ = self.readiness.isReady/' \
    'ReadinessTests'
mutant ready-grace-skipped \
    Sources/TurnoutServer/ReadinessService.swift \
    's/await Self\.wait\(self\.grace, on: self\.scheduler\)/_ = self.scheduler/' \
    'ReadinessTests'
mutant upgrade-not-announced-before-decoder-removal \
    Sources/TurnoutTransport/HTTP/PublicChannelInitializer.swift \
    's/channel\.triggerUserOutboundEvent\(HTTPExchangeEvent\.upgraded, promise: nil\)//' \
    'TurnoutFuzzTests'
mutant stack-opened-on-a-closed-channel \
    Sources/TurnoutTransport/Stacks/StackChannelHandler.swift \
    's/guard channel\.isActive else \{ throw ChannelError\.ioOnClosedChannel \}//' \
    'TurnoutFuzzTests'
mutant app-stopped-without-reason \
    Sources/TurnoutCore/Protocol/OutboundMessage.swift \
    's/buffer\.writeStaticString\(#"\{"type":"app_stopped","reason":"#\)\n\s*buffer\.writeJSONString\(reason\.rawValue\)/buffer.writeStaticString(#"{"type":"app_stopped""#)/' \
    'AppLifecycleTests|GlassesSessionTests|SDKCompatibilityTests'

mutant guard-never-rolls-back \
    Sources/TurnoutServer/GuardService.swift \
    's/self\.rollbacks\.rollBack\(FlagFile\.nativeTransport\)/_ = FlagFile.nativeTransport/' \
    'GuardServiceTests|GuardEndToEndTests'
mutant guard-p-value-ignored \
    Sources/TurnoutGuard/WindowVerdict.swift \
    's/comparison\.exceedsRatio && p < SignalResult\.significance/comparison.exceedsRatio/' \
    'GuardMonitorTests|GuardServiceTests'
mutant guard-rollback-overrides-pins \
    Sources/TurnoutFlags/GuardRollbacks.swift \
    's/guard decision\.rule == \.rollout, self/guard self/' \
    'GuardRollbacksTests|GuardServiceTests'
mutant guard-min-samples-ignored \
    Sources/TurnoutGuard/WindowVerdict.swift \
    's/let enough = samples\(native\) >= minSamples && samples\(compat\) >= minSamples/let enough = true/' \
    'GuardMonitorTests'
mutant fault-delay-reorders \
    Sources/TurnoutTransport/Faults/FaultInjectingSink.swift \
    's/let due = max\(now \+ delay, self\.state\.value\.lastDue\)(.*?)if due <= now && self\.state\.value\.held\.isEmpty \{/let due = now + delay$1if due <= now {/s' \
    'GuardEndToEndTests'
mutant fault-close-on-the-other-stack \
    Sources/TurnoutTransport/Faults/FaultPlan.swift \
    's/TransportStacks\(compat: wrap\(compat, \.compat\), native: wrap\(native, \.native\)\)/TransportStacks(compat: wrap(compat, .native), native: wrap(native, .compat))/' \
    'GuardEndToEndTests'
mutant handling-bucket-bound-exclusive \
    Sources/TurnoutCore/Metrics/HandlingTimeHistogram.swift \
    's/nanoseconds > Self\.upperBounds\[index\]/nanoseconds >= Self.upperBounds[index]/' \
    'HandlingTimeHistogramTests'
mutant cork-buffer-reused-while-the-socket-holds-it \
    Sources/TurnoutTransport/Native/CorkBufferPool.swift \
    's/let unique = buffer\.modifyIfUniquelyOwned \{ buffer in buffer\.clear\(\) \} != nil/buffer.clear(); let unique = true/' \
    'OutboundCorkTests|NativeWebSocketHandlerTests'
mutant cap-lease-never-released \
    Sources/TurnoutTransport/Limits/ConnectionCapHandler.swift \
    's/context\.channel\.closeFuture\.whenComplete \{ _ in lease\.value\.release\(\) \}/_ = lease/' \
    'ConnectionCapTests|ConnectionLimitTests'

# One function, so that bash has read all of it before it runs: editing this file during a
# run cannot change the run.
main() {
    if [ "${1:-}" = "--list" ]; then
        printf '%s\n' "${names[@]}"
        exit 0
    fi
    if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
        sed -n '2,15p' "$0"
        exit 0
    fi
    selected=("$@")

    # The scratch copy: the working tree as it is (uncommitted changes included), its build kept.
    # tar keeps the files' times, so the kept build only recompiles what changed since the last run.
    mkdir -p "$scratch"
    find "$scratch" -mindepth 1 -maxdepth 1 ! -name .build -exec rm -rf {} +
    git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf - 2>/dev/null | tar -xf - -C "$scratch"
    cd "$scratch"
    echo "building the unbroken tree in $scratch ..."
    swift build --build-tests >/dev/null

    killed=0
    survived=()
    stale=()
    total=0
    for i in "${!names[@]}"; do
        name="${names[$i]}"
        if [ ${#selected[@]} -gt 0 ] && [[ ! " ${selected[*]} " =~ " $name " ]]; then
            continue
        fi
        total=$((total + 1))
        file="${files[$i]}"
        if [ ! -f "$file" ]; then
            echo "STALE    $name: $file does not exist"
            stale+=("$name")
            continue
        fi
        cp "$file" "$file.unmutated"
        perl -0pi -e "${substitutions[$i]}" "$file"
        if cmp -s "$file" "$file.unmutated"; then
            echo "STALE    $name: the substitution no longer matches $file"
            mv "$file.unmutated" "$file"
            stale+=("$name")
            continue
        fi
        log="$scratch/.mutant-$name.log"
        if ! swift build --build-tests >"$log" 2>&1; then
            # A mutant that does not compile proves nothing about the tests.
            echo "BROKEN   $name: the mutated tree does not build (log: $log)"
            mv "$file.unmutated" "$file"
            stale+=("$name")
            continue
        fi
        # A hung suite also noticed the breakage, but it must not stall the run.
        status=0
        timeout --kill-after=10 900 swift test --skip-build --filter "${filters[$i]}" >>"$log" 2>&1 || status=$?
        if [ "$status" -eq 0 ]; then
            echo "SURVIVED $name: swift test --filter '${filters[$i]}' passed with $file broken (log: $log)"
            survived+=("$name")
        else
            reason="$(grep -m1 -E 'recorded an issue|^✘' "$log" | cut -c1-160 || true)"
            if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then reason="the suite hung for 15 minutes"; fi
            echo "killed   $name: ${reason:-the suite failed}"
            killed=$((killed + 1))
        fi
        mv "$file.unmutated" "$file"
    done

    echo
    echo "mutants: $total, killed: $killed, survived: ${#survived[@]}, stale: ${#stale[@]}"
    if [ ${#survived[@]} -gt 0 ] || [ ${#stale[@]} -gt 0 ]; then
        echo "survived or stale: ${survived[*]} ${stale[*]}"
        exit 1
    fi
}

main "$@"
exit $?
