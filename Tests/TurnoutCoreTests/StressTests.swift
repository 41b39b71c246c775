import NIOCore
import Testing
import TurnoutCore
import TurnoutTestSupport

@Suite("Stress: 1,000 users x 3 apps, concurrent and interleaved", .timeLimit(.minutes(1)))
struct StressTests {
    static let users = 1000
    static let glassesMessages = 12
    static let displaysPerApp = 4
    static let concurrentUsers = 32
    static let packages = ["com.example.notes", "com.example.translate", "com.example.maps"]
    /// What each app subscribes to: the first only to one stream, the second to one stream and audio, the third to all.
    static let subscriptions = [["button_press"], ["head_position", "audio_chunk"], ["*"]]
    static let streams = ["button_press", "head_position", "VAD"]

    /// A small deterministic generator so that each user's choices are reproducible.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// What one user's run must have produced.
    struct UserRun: Sendable {
        var glasses: TestConnection
        var apps: [TestConnection]
        var expectedApp: [[TestConnection.Event]]
        var userId: String
    }

    @Test("every message is delivered exactly once and in order per app; nothing is left behind")
    func thousandUsers() async throws {
        let harness = CoreHarness(configuration: CoreConfiguration(heartbeat: .standard))
        let runs = await withTaskGroup(of: UserRun.self, returning: [UserRun].self) { group in
            var runs: [UserRun] = []
            var next = 0
            while next < Self.concurrentUsers {
                let index = next
                group.addTask { await Self.runUser(index, harness: harness) }
                next += 1
            }
            for await run in group {
                runs.append(run)
                if next < Self.users {
                    let index = next
                    group.addTask { await Self.runUser(index, harness: harness) }
                    next += 1
                }
            }
            return runs
        }
        #expect(runs.count == Self.users)

        for run in runs {
            for (index, app) in run.apps.enumerated() {
                let received = app.events.filter { event in
                    if case .text(let text) = event { return text.hasPrefix(#"{"type":"data_stream""#) }
                    if case .binary = event { return true }
                    return false
                }
                #expect(received == run.expectedApp[index], "user \(run.userId) app \(Self.packages[index])")
            }
            let displays = run.glasses.events.compactMap { event -> String? in
                guard case .text(let text) = event, text.hasPrefix(#"{"type":"display_event""#) else { return nil }
                return text
            }
            for package in Self.packages {
                let expected = (0..<Self.displaysPerApp).map { Self.displayForwarded(package: package, seq: $0) }
                #expect(displays.filter { $0.contains(package) } == expected, "user \(run.userId) displays from \(package)")
            }
        }

        // Everyone has disconnected: the graces, app restarts and init deadlines run out.
        harness.scheduler.advance(by: .seconds(120))
        #expect(harness.core.sessionCount == 0)
        #expect(harness.scheduler.pendingCount == 0)
        #expect(harness.core.liveConnectionCount == 0)
    }

    static func runUser(_ index: Int, harness: CoreHarness) async -> UserRun {
        var random = SplitMix64(state: UInt64(index) &* 7919)
        let userId = "user-\(index)@load-test.example"
        let glasses = harness.openGlasses(userId, stack: index.isMultiple(of: 2) ? .native : .compat, reportsCloseSynchronously: true)
        for package in Self.packages {
            glasses.1.textReceived(#"{"type":"start_app","packageName":"\#(package)"}"#)
        }

        // Phase 1: the three apps connect, init and subscribe concurrently.
        let apps = await withTaskGroup(of: (Int, TestConnection, ConnectionHandle).self) { group in
            for (appIndex, package) in Self.packages.enumerated() {
                group.addTask {
                    let app = harness.openLegacyApp(stack: appIndex.isMultiple(of: 2) ? .compat : .native, reportsCloseSynchronously: true)
                    await Task.yield()
                    app.1.textReceived(CoreHarness.initMessage(userId: userId, packageName: package))
                    let list = Self.subscriptions[appIndex].map { "\"\($0)\"" }.joined(separator: ",")
                    app.1.textReceived(#"{"type":"subscription_update","packageName":"\#(package)","subscriptions":[\#(list)]}"#)
                    return (appIndex, app.0, app.1)
                }
            }
            var apps: [(TestConnection, ConnectionHandle)?] = [nil, nil, nil]
            for await (appIndex, connection, handle) in group { apps[appIndex] = (connection, handle) }
            return apps.map { $0! }
        }
        for app in apps { _ = app.0.takeEvents() }

        // Phase 2: the glasses stream events and audio while every app sends display events.
        var plan: [(kind: Int, seq: Int)] = []
        for seq in 0..<Self.glassesMessages {
            plan.append((Int.random(in: 0...3, using: &random), seq))
        }
        let yieldEvery = Int.random(in: 1...4, using: &random)
        var expectedApp: [[TestConnection.Event]] = [[], [], []]
        for (kind, seq) in plan {
            if kind == 3 {
                let frame = Self.audioFrame(seq)
                expectedApp[1].append(.binary(frame))
                expectedApp[2].append(.binary(frame))
            } else {
                let stream = Self.streams[kind]
                for appIndex in 0..<3 where Self.subscriptions[appIndex].contains(stream) || appIndex == 2 {
                    expectedApp[appIndex].append(.text(Self.dataStream(userId: userId, package: Self.packages[appIndex], stream: stream, seq: seq)))
                }
            }
        }
        let steps = plan
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for (position, step) in steps.enumerated() {
                    if step.kind == 3 {
                        glasses.1.binaryReceived(ByteBuffer(bytes: Self.audioFrame(step.seq)))
                    } else {
                        glasses.1.textReceived(#"{"type":"\#(Self.streams[step.kind])","seq":\#(step.seq)}"#)
                    }
                    if position % yieldEvery == 0 { await Task.yield() }
                }
            }
            for (appIndex, app) in apps.enumerated() {
                group.addTask {
                    for seq in 0..<Self.displaysPerApp {
                        app.1.textReceived(
                            #"{"type":"display_event","packageName":"\#(Self.packages[appIndex])","view":"main","layout":{"layoutType":"text_wall","text":"\#(seq)"}}"#
                        )
                        if (seq + appIndex) % 2 == 0 { await Task.yield() }
                    }
                }
            }
        }

        // Phase 3: leave in one of several orders.
        switch Int.random(in: 0...2, using: &random) {
        case 0:
            // Apps drop first (their reconnect graces run), then the glasses.
            for app in apps { app.1.connectionClosed(code: 1006, reason: nil) }
            glasses.1.connectionClosed(code: 1000, reason: nil)
        case 1:
            // The glasses go; the apps stay until the session ends and the core closes them.
            glasses.1.connectionClosed(code: 1006, reason: nil)
        default:
            // One app is stopped, then everything closes concurrently.
            glasses.1.textReceived(#"{"type":"stop_app","packageName":"\#(Self.packages[0])"}"#)
            await withTaskGroup(of: Void.self) { group in
                group.addTask { glasses.1.connectionClosed(code: 1000, reason: nil) }
                for app in apps.dropFirst() {
                    group.addTask { app.1.connectionClosed(code: 1001, reason: nil) }
                }
            }
        }
        return UserRun(glasses: glasses.0, apps: apps.map(\.0), expectedApp: expectedApp, userId: userId)
    }

    static func audioFrame(_ seq: Int) -> [UInt8] {
        [UInt8(seq), 0, UInt8(seq), 1, UInt8(seq), 2]
    }

    static func dataStream(userId: String, package: String, stream: String, seq: Int) -> String {
        #"{"type":"data_stream","sessionId":"\#(userId)-\#(package)","streamType":"\#(stream)","data":{"type":"\#(stream)","seq":\#(seq)},"timestamp":"2026-11-28T06:00:00.000Z"}"#
    }

    static func displayForwarded(package: String, seq: Int) -> String {
        #"{"type":"display_event","packageName":"\#(package)","view":"main","layout":{"layoutType":"text_wall","text":"\#(seq)"},"timestamp":"2026-11-28T06:00:00.000Z"}"#
    }
}
