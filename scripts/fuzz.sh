#!/usr/bin/env bash
# Runs Turnout's libFuzzer targets (docs/fuzzing.md): the frame parser and protocol machine, the
# JSON scanner, the flags.yaml/apps.yaml decoders, the JWT path and the HTTP request head.
#
# Builds `turnout-fuzz` with AddressSanitizer and libFuzzer in .build-fuzz, then runs each target
# for N seconds on a scratch copy of its seed corpus (Fuzz/Corpus/<target>), with its dictionary
# (Fuzz/Dictionaries/<target>.dict). Prints per target the executions, executions per second,
# coverage (libFuzzer's cov and ft), the corpus size and the crashes, and exits non-zero on any
# crash, leak, timeout or out-of-memory, printing the path of the input that caused it.
#
# Usage:
#   scripts/fuzz.sh --seconds 30                 # every target, 30 s each (CI)
#   scripts/fuzz.sh --seconds 600 frames json    # some targets, 10 minutes each
#   scripts/fuzz.sh --no-build --seconds 60 jwt  # reuse the last fuzz build
#   scripts/fuzz.sh --grow --seconds 600 http    # also merge new coverage into Fuzz/Corpus/http
# Targets: frames json config jwt http. Work files and crash inputs go to reports/fuzz/<target>/
# (TURNOUT_FUZZ_REPORTS to change). Replay an input without libFuzzer:
#   swift run turnout-fuzz <target> <file-or-directory>…
set -euo pipefail

cd "$(dirname "$0")/.."

seconds=30
build=1
grow=0
targets=()
all_targets=(frames json config jwt http)
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        --grow) grow=1; shift ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -lt 1 ]; then
    echo "--seconds takes a whole number of seconds, at least 1; got '$seconds'" >&2
    exit 2
fi
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
    if [[ " ${all_targets[*]} " != *" $target "* ]]; then
        echo "unknown target '$target'; the targets are: ${all_targets[*]}" >&2
        exit 2
    fi
done

scratch=.build-fuzz
flags=(--scratch-path "$scratch" -Xswiftc -sanitize=fuzzer,address -Xswiftc -D -Xswiftc TURNOUT_FUZZING --product turnout-fuzz)
if [ "$build" = 1 ]; then
    start=$SECONDS
    swift build "${flags[@]}"
    echo "fuzz build: $((SECONDS - start)) s"
fi
binary="$(swift build "${flags[@]}" --show-bin-path)/turnout-fuzz"
if [ ! -x "$binary" ]; then
    echo "no fuzz build at $binary; run without --no-build" >&2
    exit 2
fi

reports="${TURNOUT_FUZZ_REPORTS:-reports/fuzz}"
failed=0
summary=()
for target in "${targets[@]}"; do
    work="$reports/$target"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp Fuzz/Corpus/"$target"/* "$work/corpus/"
    options=(-max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$work/artifacts/")
    [ -f "Fuzz/Dictionaries/$target.dict" ] && options+=(-dict="Fuzz/Dictionaries/$target.dict")
    echo "== $target: ${seconds} s, $(ls "$work/corpus" | wc -l) seeds"
    status=0
    # Swift's backtracer would hold the crashing process for seconds; libFuzzer reports instead.
    # Fuzz/lsan.supp explains the one leak report that is Swift's, not ours.
    SWIFT_BACKTRACE=enable=no LSAN_OPTIONS="suppressions=$PWD/Fuzz/lsan.supp" "$binary" "$target" "${options[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?

    stat() { sed -n "s/^stat::$1: *//p" "$work/fuzz.log" | tail -1; }
    done_line="$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|NEW|REDUCE|pulse|RELOAD)' "$work/fuzz.log" | tail -1 || true)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")"
    ft="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")"
    artifacts=("$work"/artifacts/*)
    [ -e "${artifacts[0]}" ] || artifacts=()
    corpus_size="$(ls "$work/corpus" | wc -l)"
    line="$(printf '%-7s execs %-10s exec/s %-7s cov %-6s ft %-7s corpus %-6s crashes %s' "$target" \
        "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" "${cov:-?}" "${ft:-?}" "$corpus_size" "${#artifacts[@]}")"
    echo "$line"
    summary+=("$line")
    if [ "$status" != 0 ] || [ ${#artifacts[@]} -gt 0 ]; then
        failed=1
        echo "   libFuzzer exited $status; log: $work/fuzz.log"
        grep -E 'turnout-fuzz .*:|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|SUMMARY' "$work/fuzz.log" | head -5 | sed 's/^/   /' || true
        for artifact in "${artifacts[@]}"; do
            echo "   crashing input: $artifact  (replay: swift run turnout-fuzz $target $artifact)"
        done
    elif [ "$grow" = 1 ]; then
        SWIFT_BACKTRACE=enable=no "$binary" "$target" -merge=1 "Fuzz/Corpus/$target" "$work/corpus" >"$work/merge.log" 2>&1
        echo "   merged into Fuzz/Corpus/$target: $(ls "Fuzz/Corpus/$target" | wc -l) inputs"
    fi
done

echo "== summary (${seconds} s per target)"
printf '%s\n' "${summary[@]}"
if [ "$failed" != 0 ]; then
    echo "fuzz: FAILED (crash inputs above)" >&2
    exit 1
fi
echo "fuzz: no crash"
