import Foundation
import Testing
import TurnoutBench

@Suite("Split check: /metrics must carry traffic in the split's ratio", .timeLimit(.minutes(2)))
struct SplitCheckTests {
    static func result(_ stack: BenchStack, connections: Int, received: Int, metrics: Int?) -> StackResult {
        var result = ResultTableTests.result(stack, rate: Double(received), p50: 100)
        result.connections = connections
        result.received = received
        result.metricsDeliveries = metrics
        return result
    }

    @Test("an even split within 5 points passes, with every share in the summary line")
    func withinTolerance() throws {
        let check = try #require(
            SplitCheck(
                nativePercent: 50,
                compat: Self.result(.compat, connections: 10, received: 5_100, metrics: 5_100),
                native: Self.result(.native, connections: 10, received: 4_900, metrics: 4_900),
                usersPinned: true,
                ratePaced: true
            )
        )
        #expect(check.metricsNativePercent == 49)
        #expect(check.isWithinTolerance)
        #expect(
            check.summary
                == "split:50: /metrics counted 49.0 % of app deliveries on native (bench: 49.0 %, connections: 50.0 %); expected 50 ± 5 points: OK"
        )
    }

    @Test("metrics more than 5 points off the split fail the run", arguments: [(44.9, false), (45.0, true), (55.0, true), (55.1, false)])
    func boundary(nativeShare: Double, passes: Bool) throws {
        let native = Int(nativeShare * 10)
        let check = try #require(
            SplitCheck(
                nativePercent: 50,
                compat: Self.result(.compat, connections: 5, received: 1_000 - native, metrics: 1_000 - native),
                native: Self.result(.native, connections: 5, received: native, metrics: native),
                usersPinned: true,
                ratePaced: true
            )
        )
        #expect(check.isWithinTolerance == passes)
        let report = BenchReport(
            scenario: .glasses,
            plan: "split:50",
            parameters: "",
            secondsPerMeasurement: 1,
            measurements: [],
            summary: [],
            warnings: [],
            split: check
        )
        #expect(report.isClean == passes)
        #expect(
            HTMLReport.render(report, date: Date(timeIntervalSince1970: 0)).contains(
                "<p class=\"verdict \(passes ? "clean" : "failed")\">split:50: /metrics counted"
            )
        )
    }

    @Test("no check without /metrics counts (echo), and no traffic fails it")
    func missing() throws {
        #expect(
            SplitCheck(
                nativePercent: 50,
                compat: Self.result(.compat, connections: 5, received: 10, metrics: nil),
                native: Self.result(.native, connections: 5, received: 10, metrics: nil),
                usersPinned: true,
                ratePaced: true
            ) == nil
        )
        let idle = try #require(
            SplitCheck(
                nativePercent: 50,
                compat: Self.result(.compat, connections: 5, received: 0, metrics: 0),
                native: Self.result(.native, connections: 5, received: 0, metrics: 0),
                usersPinned: true,
                ratePaced: true
            )
        )
        #expect(!idle.isWithinTolerance)
        #expect(idle.summary.hasSuffix("expected 50 ± 5 points: FAILED"))
    }

    @Test("with --url the flags place the users, so their share is what the metrics must match")
    func unpinnedExpectsTheUsersShare() throws {
        let check = try #require(
            SplitCheck(
                nativePercent: 50,
                compat: Self.result(.compat, connections: 4, received: 400, metrics: 400),
                native: Self.result(.native, connections: 6, received: 600, metrics: 600),
                usersPinned: false,
                ratePaced: true
            )
        )
        #expect(check.expectedNativePercent == 60)
        #expect(check.isWithinTolerance)
        #expect(
            check.summary
                == "split:50: /metrics counted 60.0 % of app deliveries on native (bench: 60.0 %, connections: 60.0 %); "
                + "expected 60.0 % (the users the server's flags put on native) ± 5 points: OK"
        )
    }

    @Test("fanout's closed loops follow each stack's speed: shares are reported, not judged")
    func windowPacedIsNotJudged() throws {
        let check = try #require(
            SplitCheck(
                nativePercent: 50,
                compat: Self.result(.compat, connections: 17, received: 1_000, metrics: 1_000),
                native: Self.result(.native, connections: 17, received: 4_000, metrics: 4_000),
                usersPinned: true,
                ratePaced: false
            )
        )
        #expect(check.isWithinTolerance)
        #expect(check.summary.hasSuffix("so the ratio is not checked"))
    }

    @Test("too few users for the split are refused before the run, with the way out")
    func tooFewUsers() {
        let options = BenchOptions(scenario: .fanout, plan: .split(nativePercent: 50), users: 1)
        #expect {
            try options.validate()
        } throws: { error in
            (error as? BenchError)?.message
                == "--stack split:50 with 1 users puts 1 on native (100.0 %), more than 5 points from 50 %; use --users 10 or more"
        }
        #expect(throws: Never.self) { try BenchOptions(scenario: .glasses, plan: .split(nativePercent: 25), users: 10).validate() }
        #expect(throws: Never.self) { try BenchOptions(scenario: .echo, plan: .split(nativePercent: 50), users: 1).validate() }
    }

    @Test("a live split:50 run against a spawned server: /metrics shows half the traffic on each stack")
    func liveSplit() async throws {
        let turnout = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("turnout")
        let options = BenchOptions(
            scenario: .glasses,
            target: .spawn(executable: turnout.path, serverCPUs: nil),
            plan: .split(nativePercent: 50),
            duration: .seconds(1),
            users: 4,
            apps: 1,
            rate: 50,
            audioRate: 0,
            threads: 1,
            progress: false
        )
        let report = try await BenchRunner(options: options).run()
        let split = try #require(report.split)
        #expect(split.connectionsNativePercent == 50)
        let metrics = try #require(split.metricsNativePercent)
        #expect(abs(metrics - split.benchNativePercent) < 0.001)
        #expect(split.isWithinTolerance, "\(split.summary)")
        #expect(report.summary.map(\.metricsMismatches) == [[], []])
        #expect(report.isClean)
    }
}
