import ArgumentParser
import Foundation
import TurnoutBench
import TurnoutServer
import TurnoutTransport

/// `turnout bench`: the load generator that compares the two transport stacks side by side.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Load a Turnout server on compat, native or both stacks and compare them side by side.",
        discussion: """
            Scenarios: echo (closed-loop round trips on /echo-ws), fanout (one user's glasses
            publishing JSON events to K subscribed apps, closed loop, over the real protocol),
            glasses (U users with A apps each: JSON events at --rate and 640-byte audio at 50/s),
            broadcast (one publisher and K subscribers on the raw /fanout-ws room, closed loop) and
            idle (N connections on /echo-ws held open without traffic: server RSS per connection;
            with --spawn, a fresh server for each measurement).
            With --spawn the bench starts `turnout serve` itself from this binary, with generated
            flags.yaml and apps.yaml, and samples its CPU and RSS from /proc. With --url, the
            glasses and fanout scenarios need the server's JWT secret (--jwt-secret or
            AUGMENTOS_AUTH_JWT_SECRET) and an apps.yaml from `--write-apps-yaml`.
            Exit status: 0 clean, 1 on any loss, reordering, error or /metrics mismatch.
            """
    )

    @Option(
        help:
            "echo, fanout, glasses, broadcast or idle. Default: glasses with --stack split:P (the live A/B runs the real workload through the flags), echo otherwise."
    )
    var scenario: String?

    @Option(help: "Base WebSocket URL of a running server, e.g. ws://127.0.0.1:8002 (instead of --spawn).")
    var url: String?

    @Option(help: "Admin base URL of the running server (with --url).")
    var adminURL: String = "http://127.0.0.1:9090"

    @Option(help: "Process id of the running server, for CPU and RSS (with --url).")
    var serverPID: Int32?

    @Flag(help: "Start `turnout serve` from this binary on free loopback ports (the default without --url).")
    var spawn = false

    @Option(name: .customLong("server-cpus"), help: "With --spawn: run the server under `taskset -c LIST`, e.g. 0.")
    var serverCPUs: String?

    @Option(help: "compat, native, both (interleaved rounds, medians) or split:P (both at once, P % native).")
    var stack: String = "both"

    @Option(help: "Rounds of --stack both (at least 3).")
    var rounds: Int = 3

    @Option(help: "Measured time of the whole run, shared by all measurements (at least 1 s each), e.g. 10s. Default 10s.")
    var duration: String?

    @Option(help: "echo, idle: connections (up to 20000; the bench raises its open-file limit as far as the hard limit allows).")
    var connections: Int = 100

    @Option(help: "echo, broadcast: message size in bytes (broadcast: at least 43).")
    var size: Int = 100

    @Option(help: "glasses: users (default 10; 20 with --ramp, and no fewer); fanout: publishers (default 1 for fanout).")
    var users: Int?

    @Option(help: "glasses: apps per user.")
    var apps: Int = 2

    @Option(help: "fanout: subscribers (apps) per publisher; broadcast: subscribers.")
    var subscribers: Int = 16

    @Option(help: "glasses: JSON events per user per second.")
    var rate: Int = 10

    @Option(help: "glasses: 640-byte audio frames per user per second.")
    var audioRate: Int = 50

    @Option(help: "fanout, broadcast: messages a publisher may have outstanding (not yet at every subscriber).")
    var window: Int = 32

    @Option(help: "Client event-loop threads. Default: the cores this process may use (taskset included).")
    var threads: Int?

    @Option(help: "With --url: the server's JWT secret (default $AUGMENTOS_AUTH_JWT_SECRET).")
    var jwtSecret: String?

    @Option(help: "With --url: port of the bench's webhook server; the server's apps.yaml must point at it.")
    var webhookPort: Int = 7010

    @Option(
        help:
            "glasses with --spawn: edit the server's native-transport percentage through these steps under load (e.g. 0,25,50,100,50,0), with on_change: migrate, and fail on any loss, reordering, lost session, socket that does not come back, or step whose native share is more than 5 points off."
    )
    var ramp: String?

    @Option(help: "With --ramp: how long each step is held (at least 1s). Default 5s (10s with --churn).")
    var every: String?

    @Option(help: "With --ramp: the flag's migrate_window, shorter than --every. Default a fifth of --every.")
    var migrateWindow: String?

    @Flag(
        help:
            "With --ramp: the soak. Repeat the ramp's steps for --duration (default 2m), each with churn (users leaving and joining, an app stopped and started, a slow consumer), sample the server's RSS, descriptors and threads at the end of each step, and fail if RSS grows more than 5 % after the warm-up or descriptors or threads grow at all."
    )
    var churn = false

    @Option(help: "With --churn: write the samples as CSV to FILE.")
    var samples: String?

    @Option(help: "Write the results as JSON to FILE.")
    var json: String?

    @Option(help: "Write a self-contained HTML report (table, latency CDFs, throughput bars) to FILE.html.")
    var report: String?

    @Option(help: "Print the apps.yaml a --url server needs for glasses/fanout (N apps, webhook port) and exit.")
    var writeAppsYAML: Int?

    @Option(help: "With --spawn: a fault for the server, as turnout serve --inject-fault takes it (repeatable), for guard drills.")
    var serverFault: [String] = []

    @Option(help: "With --spawn and --server-fault: the faults' seed (turnout serve --fault-seed). Default 0.")
    var faultSeed: UInt64 = 0

    @Option(
        help: "With --spawn: a guard: block for native-transport as key=value pairs, e.g. window=3s,min_samples=100; the run ends with its state."
    )
    var `guard`: String?

    @Flag(help: "No progress output.")
    var quiet = false

    @Flag(
        help:
            "glasses with --url: reconnect users whose instance closes them with 1001 and restart their apps, reporting each move (a cluster behind a balancer)."
    )
    var reconnect = false

    func run() async throws {
        if let count = self.writeAppsYAML {
            print(BenchConfigFiles.appsYAML(apps: count, webhookPort: self.webhookPort), terminator: "")
            return
        }
        let options: BenchOptions
        do {
            options = try self.makeOptions()
        } catch {
            throw ValidationError(error.message)
        }
        let report: BenchReport
        do {
            report = try await BenchRunner(options: options).run()
        } catch let error as BenchError {
            StandardError.write("turnout bench: \(error)\n")
            throw ExitCode(2)
        }
        print(
            "\n\(report.scenario.rawValue), \(report.parameters), stack \(report.plan), \(String(format: "%.1f", report.secondsPerMeasurement)) s per measurement\n"
        )
        print(report.table)
        for warning in report.warnings { print("warning: \(warning)") }
        if let guardState = report.guardState { print("guard: \(guardState)") }
        if let split = report.split {
            print(split.isWithinTolerance ? split.summary : "error: \(split.summary)")
        }
        if let ramp = report.ramp {
            print(RampSummary.lines(ramp).joined(separator: "\n"))
        }
        if let soak = report.soak {
            print(soak.lines.joined(separator: "\n"))
        }
        for result in report.summary {
            for mismatch in result.metricsMismatches { print("error: /metrics: \(mismatch)") }
        }
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
        }
        if let path = self.report {
            try HTMLReport.render(report, date: Date()).write(to: URL(fileURLWithPath: path), atomically: true, encoding: .utf8)
        }
        guard report.isClean else {
            StandardError.write("turnout bench: FAILED: loss, reordering, errors, a /metrics mismatch or a split off its ratio (see above)\n")
            throw ExitCode(1)
        }
    }

    private func makeOptions() throws(BenchError) -> BenchOptions {
        // A split is a live A/B through the flags, which echo bypasses.
        let scenarioName = self.scenario ?? (self.stack.hasPrefix("split:") ? "glasses" : "echo")
        guard let scenario = BenchScenario(rawValue: scenarioName) else {
            throw .invalidOption("--scenario takes echo, fanout, glasses, broadcast or idle; got '\(scenarioName)'")
        }
        if self.spawn && self.url != nil { throw .invalidOption("pass either --spawn or --url, not both") }
        let target: BenchOptions.Target
        if let url {
            target = .url(public: url, admin: self.adminURL, pid: self.serverPID)
        } else {
            target = .spawn(executable: "/proc/self/exe", serverCPUs: self.serverCPUs)
        }
        let fanout = scenario == .fanout
        let subscribers = fanout || scenario == .broadcast
        var options = BenchOptions(
            scenario: scenario,
            target: target,
            plan: try StackPlan(parsing: self.stack, rounds: self.rounds),
            duration: try DurationParser.parse(self.duration ?? "10s"),
            connections: self.connections,
            size: self.size,
            users: self.users ?? (fanout ? 1 : self.ramp == nil ? 10 : RampUsers.minimumUsers),
            apps: subscribers ? self.subscribers : self.apps,
            rate: self.rate,
            audioRate: fanout ? 0 : self.audioRate,
            window: self.window,
            threads: self.threads ?? min(UsableCores.count, 64),
            jwtSecret: self.jwtSecret,
            webhookPort: self.url == nil ? 0 : self.webhookPort,
            progress: !self.quiet,
            ramp: try self.makeRampPlan(),
            soak: try self.makeSoakPlan(),
            reconnect: self.reconnect
        )
        options.serverFaults = self.serverFault
        options.faultSeed = self.faultSeed
        options.serverGuard = self.guard
        return options
    }

    /// `--churn` and `--samples`.
    private func makeSoakPlan() throws(BenchError) -> SoakPlan? {
        guard self.churn else {
            if self.samples != nil { throw .invalidOption("--samples needs --churn") }
            return nil
        }
        if self.ramp == nil { throw .invalidOption("--churn needs --ramp: the soak flips the flag through its steps") }
        let duration = try DurationParser.parse(self.duration ?? "2m")
        guard duration >= .seconds(60) else { throw .invalidOption("--churn needs --duration of at least 1m: the warm-up alone is 60 s") }
        return SoakPlan(duration: duration, samplesPath: self.samples)
    }

    /// `--ramp`, `--every` and `--migrate-window`; refuses the options a ramp decides itself.
    private func makeRampPlan() throws(BenchError) -> RampPlan? {
        guard let ramp else {
            if self.every != nil { throw .invalidOption("--every needs --ramp") }
            if self.migrateWindow != nil { throw .invalidOption("--migrate-window needs --ramp") }
            return nil
        }
        if self.stack != "both" { throw .invalidOption("--ramp sets the split itself, step by step; drop --stack") }
        if self.reconnect { throw .invalidOption("--ramp runs on one spawned server, --reconnect on a cluster behind a balancer; drop one") }
        if self.duration != nil && !self.churn { throw .invalidOption("--ramp lasts (steps) × --every; drop --duration") }
        // The soak samples at the end of every step: every 10 s unless told.
        let every = try self.every.map { text throws(BenchError) in try DurationParser.parse(text) } ?? .seconds(self.churn ? 10 : 5)
        let window = try self.migrateWindow.map { text throws(BenchError) in try DurationParser.parse(text) }
        return try RampPlan(parsing: ramp, every: every, migrateWindow: window)
    }
}
