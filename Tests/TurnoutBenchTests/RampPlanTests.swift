import Testing
import TurnoutBench
import TurnoutCore
import TurnoutFlags

/// `--ramp`, `--every` and `--migrate-window`: parsing, refusals with their messages, the users
/// the ramp picks, and the step checker.
@Suite("Ramp: plan, users and step checks")
struct RampPlanTests {
    static func message(_ body: () throws(BenchError) -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a ramp with its defaults: a fifth of --every as the migrate window")
    func defaults() throws {
        let plan = try RampPlan(parsing: "0,25,50,100,50,0")
        #expect(plan.steps == [0, 25, 50, 100, 50, 0])
        #expect(plan.every == .seconds(5))
        #expect(plan.migrateWindow == .seconds(1))
        #expect(plan.migrateWindowYAML == "1000ms")
        #expect(plan.duration == .seconds(30))
        let custom = try RampPlan(parsing: " 0, 100 ", every: .seconds(2), migrateWindow: .milliseconds(250))
        #expect(custom.steps == [0, 100])
        #expect(custom.migrateWindowYAML == "250ms")
    }

    @Test(
        "bad plans are refused with the option and the value",
        arguments: [
            ("0,150", "--ramp: step 2 ('150') is not a whole percentage from 0 to 100; write e.g. --ramp 0,25,50,100,50,0"),
            ("0,,100", "--ramp: step 2 ('') is not a whole percentage from 0 to 100; write e.g. --ramp 0,25,50,100,50,0"),
            ("0,12.5", "--ramp: step 2 ('12.5') is not a whole percentage from 0 to 100; write e.g. --ramp 0,25,50,100,50,0"),
            ("-5,0", "--ramp: step 1 ('-5') is not a whole percentage from 0 to 100; write e.g. --ramp 0,25,50,100,50,0"),
            ("50", "--ramp needs at least two steps (where it starts and one edit), e.g. --ramp 0,100,0; got '50'"),
        ]
    )
    func badPlans(text: String, expected: String) {
        #expect(Self.message { () throws(BenchError) in _ = try RampPlan(parsing: text) } == expected)
    }

    @Test("--every of at least 1s, and a migrate window shorter than it")
    func timing() {
        #expect(
            Self.message { () throws(BenchError) in _ = try RampPlan(parsing: "0,100", every: .milliseconds(500)) }
                == "--every must be at least 1s: a step must leave time for its moves (got 0.5 seconds)"
        )
        #expect(
            Self.message { () throws(BenchError) in _ = try RampPlan(parsing: "0,100", every: .seconds(2), migrateWindow: .seconds(2)) }
                == "--migrate-window (2.0 seconds) must be shorter than --every (2.0 seconds), so each step's moves end before the next edit"
        )
    }

    @Test("a ramp needs the glasses scenario, a spawned server and enough users")
    func options() throws {
        let plan = try RampPlan(parsing: "0,100,0")
        var options = BenchOptions(scenario: .echo, users: 20, ramp: plan)
        #expect(
            Self.message { () throws(BenchError) in try options.validate() }
                == "--ramp needs --scenario glasses: it edits the flag under the glasses workload"
        )
        options.scenario = .glasses
        options.target = .url(public: "ws://127.0.0.1:8002", admin: "http://127.0.0.1:9090", pid: nil)
        #expect(
            Self.message { () throws(BenchError) in try options.validate() }
                == "--ramp edits the spawned server's flags.yaml: use --spawn, not --url"
        )
        options.target = .spawn(executable: "/proc/self/exe", serverCPUs: nil)
        options.users = 19
        #expect(
            Self.message { () throws(BenchError) in try options.validate() }
                == "--ramp needs --users 20 or more: with U users the native share moves in steps of 100/U points, and each step must be within 5"
        )
        options.users = 20
        try options.validate()
    }

    @Test("the ramp's users spread evenly over the buckets: each step's share is within 100/U points", arguments: [20, 23, 50])
    func users(count: Int) {
        let ids = (0..<count).map { RampUsers.id(slot: $0, of: count, prefix: "bench-test") }
        #expect(Set(ids).count == count)
        for percent in [0, 10, 25, 33, 50, 75, 99, 100] {
            let native = ids.filter { Bucketing.bucket(salt: FlagFile.nativeTransport, userId: $0) < percent * 100 }.count
            let share = 100 * Double(native) / Double(count)
            #expect(abs(share - Double(percent)) <= 100 / Double(count), "\(percent) %: \(native) of \(count)")
        }
        #expect(RampUsers.id(slot: 3, of: count, generation: 1, prefix: "bench-test") != ids[3])
    }

    @Test("a step within 5 points with every move done passes; otherwise each problem is a line")
    func stepChecks() {
        var step = RampStepResult(
            step: 2,
            percent: 25,
            movedConnections: 15,
            unmovedConnections: 0,
            moveMaxMs: 1850,
            moveP50Ms: 1400,
            connections: 60,
            nativeSharePercent: 25
        )
        #expect(step.failures.isEmpty)
        #expect(step.summary == "step 2: 25 % → native 25.0 % of 60 connections; 15 moved, max 1,850 ms, p50 1,400 ms")
        step.nativeSharePercent = 30
        #expect(step.failures.isEmpty)
        step.nativeSharePercent = 30.1
        step.unmovedConnections = 3
        #expect(
            step.failures == [
                "step 2 (25 %): native share 30.1 % of 60 connections, more than 5 points from 25 %",
                "step 2 (25 %): 3 of 15 moved connections were not on their new stack when the step ended",
            ]
        )
        step.connections = 0
        step.unmovedConnections = 0
        #expect(step.failures == ["step 2 (25 %): /admin/connections counted no connections"])
    }
}

@Suite("Ramp: /metrics cross-check")
struct RampCrossCheckTests {
    static func metrics(glasses: Int, app: Int, dropped: Int) -> MetricsText {
        MetricsText(
            """
            turnout_messages_received_total{stack="compat",endpoint="glasses"} \(glasses - 1)
            turnout_messages_received_total{stack="native",endpoint="glasses"} 1
            turnout_messages_sent_total{stack="native",endpoint="app"} \(app)
            turnout_backpressure_events_total{stack="compat",kind="audio_dropped"} \(dropped)
            """
        )
    }

    @Test("the server may have read less than the glasses wrote only by what was in flight at a close")
    func glasses() {
        let before = Self.metrics(glasses: 10, app: 5, dropped: 0)
        func check(received: Int) -> [String] {
            BenchRunner.rampCrossCheck(
                before: before,
                after: Self.metrics(glasses: 10 + received, app: 105, dropped: 2),
                written: 100,
                inFlight: 3,
                appFrames: 100,
                droppedWhileSlow: 2
            )
        }
        #expect(check(received: 100) == [])
        #expect(check(received: 97) == [])
        #expect(
            check(received: 96) == [
                "/metrics: turnout_messages_received_total{endpoint=\"glasses\"} grew by 96, but the glasses wrote 100, of which 3 were in flight at a close"
            ]
        )
        #expect(check(received: 101).count == 1)
    }

    @Test("app messages and dropped audio must match exactly")
    func apps() {
        let lines = BenchRunner.rampCrossCheck(
            before: Self.metrics(glasses: 10, app: 5, dropped: 0),
            after: Self.metrics(glasses: 110, app: 104, dropped: 1),
            written: 100,
            inFlight: 0,
            appFrames: 100,
            droppedWhileSlow: 2
        )
        #expect(
            lines == [
                "/metrics: turnout_messages_sent_total{endpoint=\"app\"} grew by 99, but the apps received 100 messages",
                "/metrics: turnout_backpressure_events_total{kind=\"audio_dropped\"} grew by 1, but 2 audio frames were missing at slow apps",
            ]
        )
    }
}

@Suite("Ramp: output lines and HTML")
struct RampOutputTests {
    @Test("the HTML report has the ramp's steps and its failures")
    func html() {
        let step = RampStepResult(
            step: 2,
            percent: 100,
            movedConnections: 40,
            unmovedConnections: 1,
            moveMaxMs: 1900,
            moveP50Ms: 1500,
            connections: 40,
            nativeSharePercent: 97.5
        )
        var ramp = RampResult(steps: [step], everySeconds: 5, migrateWindowSeconds: 1)
        ramp.closes1012 = 79
        ramp.reconnects = 79
        let section = HTMLReport.rampSection(ramp, soak: nil)
        #expect(section.contains("<h2>Ramp</h2>"))
        #expect(
            section.contains(
                "<tr class=\"failed\"><td>2</td><td>100</td><td>97.5 %</td><td>40</td><td>40</td><td>1</td><td>1,900</td><td>1,500</td></tr>"
            )
        )
        #expect(
            section.contains(
                "<li>sockets closed with 1012: 79, reconnected: 79; app_stopped: 0; webhook restarts: 0 after a grace ran out, 0 within it</li>"
            )
        )
        #expect(section.contains("<li>error: ramp: step 2 (100 %): 1 of 40 moved connections were not on their new stack when the step ended</li>"))
    }
}
