import Foundation
import Testing
import TurnoutBench

/// The broadcast and idle scenarios end to end, against `turnout serve --echo` spawned from the
/// binary built next to this test bundle: short, loopback, bounded. The runner waits on the
/// server's answers; nothing here sleeps.
@Suite("Scenario runs against a spawned server", .serialized, .timeLimit(.minutes(2)))
struct ScenarioRunTests {
    /// The `turnout` binary next to the test bundle in the build directory.
    static var turnout: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("turnout").path
    }

    static func run(_ scenario: BenchScenario, plan: StackPlan, configure: (inout BenchOptions) -> Void) async throws -> BenchReport {
        var options = BenchOptions(
            scenario: scenario,
            target: .spawn(executable: Self.turnout, serverCPUs: nil),
            plan: plan,
            duration: .seconds(1),
            threads: 1,
            progress: false
        )
        configure(&options)
        return try await BenchRunner(options: options).run()
    }

    @Test(
        "broadcast: 1 publisher and 3 subscribers on one stack; every message reaches every subscriber once, in order",
        arguments: BenchStack.allCases
    )
    func broadcast(_ stack: BenchStack) async throws {
        let report = try await Self.run(.broadcast, plan: .single(stack)) { options in
            options.apps = 3
            options.size = 64
            options.window = 8
        }
        #expect(report.summary.map(\.stack) == [stack])
        let result = try #require(report.summary.first)
        #expect(result.sent > 0)
        #expect(result.received == 3 * result.sent)
        #expect(result.drops == 0)
        #expect(result.reordered == 0)
        #expect(result.errors == 0)
        #expect(result.connections == 4)
        #expect(result.p50Micros > 0)
        #expect(report.isClean)
    }

    @Test("broadcast across stacks: one room, whatever stack each member is on")
    func broadcastSplit() async throws {
        // split:50 of 3 subscribers: the first two and the publisher on native, the third on compat.
        let report = try await Self.run(.broadcast, plan: .split(nativePercent: 50)) { options in
            options.apps = 3
            options.size = 43
        }
        let compat = try #require(report.summary.first { $0.stack == .compat })
        let native = try #require(report.summary.first { $0.stack == .native })
        #expect(native.connections == 3)
        #expect(compat.connections == 1)
        #expect(compat.sent == 0)
        #expect(native.sent > 0)
        #expect(native.received == 2 * native.sent)
        #expect(compat.received == native.sent)
        #expect(report.isClean)
    }

    @Test(
        "idle: 50 connections each answer one round trip, then stay open without traffic",
        arguments: [StackPlan.single(.compat), .single(.native), .split(nativePercent: 50)]
    )
    func idle(_ plan: StackPlan) async throws {
        let report = try await Self.run(.idle, plan: plan) { options in
            options.connections = 50
        }
        #expect(report.summary.reduce(0) { $0 + $1.connections } == 50)
        for result in report.summary {
            #expect(result.sent == result.connections)
            #expect(result.received == result.connections)
            #expect(result.errors == 0)
            #expect(result.drops == 0)
            #expect(result.messagesPerSecond == 0)
            #expect(result.rssPerConnectionKiB != nil)
        }
        #expect(report.isClean)
        #expect(!report.table.contains("msgs/s"))
        #expect(report.table.contains("| server RSS per connection (KiB) |"))
    }

    @Test("ramp: 0 → 100 → 0 under a small glasses load; every socket moves and comes back, nothing is lost")
    func ramp() async throws {
        let plan = try RampPlan(parsing: "0,100,0", every: .seconds(3))
        let report = try await Self.run(.glasses, plan: .both(rounds: 3)) { options in
            options.users = 20
            options.apps = 1
            options.rate = 5
            options.audioRate = 10
            options.ramp = plan
        }
        let ramp = try #require(report.ramp)
        #expect(ramp.failures == [])
        #expect(ramp.steps.map(\.percent) == [0, 100, 0])
        #expect(ramp.steps.map(\.movedConnections) == [0, 40, 40])
        #expect(ramp.steps.map(\.unmovedConnections) == [0, 0, 0])
        #expect(ramp.steps.map(\.connections) == [40, 40, 40])
        #expect(ramp.steps.map(\.nativeSharePercent) == [0, 100, 0])
        #expect(ramp.closes1012 == 80)
        #expect(ramp.reconnects == 80)
        let failures: [Int] = [ramp.lost, ramp.reordered, ramp.appStopped, ramp.unexplainedRestarts, ramp.graceRestarts]
        #expect(failures == [0, 0, 0, 0, 0])
        #expect(try #require(ramp.moveMaxMs) < 3000)
        #expect(report.summary.allSatisfy { $0.received > 0 })
        #expect(report.isClean)
    }
}
