import Foundation
import Histogram
import NIOCore
import NIOPosix
import TurnoutTransport

/// Runs one `turnout bench`: sets up the server and the client threads, makes every
/// measurement the stack plan asks for, and reports.
package final class BenchRunner: Sendable {
    let options: BenchOptions
    let group: MultiThreadedEventLoopGroup
    let loops: [any EventLoop]
    let registry = UserRegistry()
    let runTag = String(UInt32.random(in: 0...0xFFFF), radix: 16)

    /// Prepares a run; nothing starts until ``run()``.
    package init(options: BenchOptions) {
        self.options = options
        self.group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        self.loops = Array(self.group.makeIterator())
    }

    /// Runs every measurement and returns the report; the server, if spawned, is stopped.
    ///
    /// - Throws: ``BenchError`` when the run cannot start or cannot finish. Loss, reordering
    ///   and metrics mismatches do not throw: they are in the report (see
    ///   ``BenchReport/isClean``).
    package func run() async throws -> BenchReport {
        do {
            let report = try await self.runMeasurements()
            try? await self.group.shutdownGracefully()
            return report
        } catch {
            try? await self.group.shutdownGracefully()
            throw error
        }
    }

    private func runMeasurements() async throws -> BenchReport {
        try self.options.validate()
        if let raised = try OpenFileLimit.ensure(connections: self.connectionsPerMeasurement) { self.note(raised) }
        let stats = try await self.makeStats()
        let usesCore = self.options.scenario.usesCore
        var webhook: (any Channel)?
        if usesCore {
            webhook = try await WebhookServer.start(group: self.group, port: self.options.webhookPort) { [registry, weak self] body in
                guard let self else { return }
                self.webhookArrived(body, registry: registry)
            }
        }
        defer { webhook?.close(promise: nil) }
        let webhookPort = webhook?.localAddress?.port ?? self.options.webhookPort

        // idle measures memory: a fresh server for each measurement, so that what an earlier
        // measurement allocated and freed cannot hide this one's growth.
        let freshServers = self.options.scenario == .idle
        var started: StartedServer?
        if !freshServers { started = try await self.startServer(webhookPort: webhookPort) }
        do {
            var authority: TokenAuthority?
            if usesCore, let started {
                guard let secret = started.secret ?? ProcessInfo.processInfo.environment["AUGMENTOS_AUTH_JWT_SECRET"] else {
                    throw BenchError.invalidOption(
                        "--url with --scenario \(self.options.scenario.rawValue) needs the server's JWT secret: pass --jwt-secret or set AUGMENTOS_AUTH_JWT_SECRET"
                    )
                }
                do {
                    authority = try await TokenAuthority(secret: secret)
                } catch {
                    throw BenchError.invalidOption("the JWT secret is unusable: \(error)")
                }
            }
            var measurements: [[StackResult]] = []
            var lastServer: ServerUnderTest?
            let plan = self.options.plan.measurements
            for (index, stacks) in plan.enumerated() {
                if freshServers {
                    await started?.stop()
                    started = nil
                    started = try await self.startServer(webhookPort: webhookPort)
                }
                guard let server = started?.server else { preconditionFailure("no server for measurement \(index)") }
                lastServer = server
                let label = "\(index + 1)/\(plan.count) \(stacks.map(\.rawValue).joined(separator: "+"))"
                let results: [StackResult]
                switch self.options.scenario {
                case .echo:
                    results = try await self.measureEcho(stacks: stacks, server: server, stats: stats, label: label)
                case .broadcast:
                    results = try await self.measureBroadcast(stacks: stacks, server: server, stats: stats, label: label)
                case .idle:
                    results = try await self.measureIdle(stacks: stacks, server: server, stats: stats, label: label)
                case .fanout, .glasses:
                    guard let authority else { preconditionFailure("the core scenarios have a token authority") }
                    results = try await self.measureUsers(index, stacks: stacks, server: server, stats: stats, authority: authority, label: label)
                }
                measurements.append(results)
            }
            await started?.stop()
            return self.report(measurements: measurements, server: lastServer)
        } catch {
            await started?.stop()
            throw error
        }
    }

    /// A server to measure, and what the bench must do to stop it.
    struct StartedServer: Sendable {
        /// Where it is and how to observe it.
        var server: ServerUnderTest
        /// The process, when the bench started it.
        var spawned: SpawnedServer?
        /// Its JWT secret, when known (generated for a spawned server, `--jwt-secret` otherwise).
        var secret: String?

        /// Stops the server if the bench started it.
        func stop() async {
            await self.spawned?.stop()
        }
    }

    /// The server of ``BenchOptions/target``: the running one of `--url`, or a `turnout serve`
    /// spawned with generated flags.yaml and apps.yaml and waited for until `/health` answers.
    ///
    /// - Parameter webhookPort: Where the apps.yaml of a spawned server sends webhooks.
    /// - Throws: ``BenchError/invalidOption(_:)`` for a bad URL, ``BenchError/serverStart(_:)``
    ///   when the spawned server does not start or answer.
    private func startServer(webhookPort: Int) async throws -> StartedServer {
        switch self.options.target {
        case .url(let publicURL, let adminURL, let pid):
            let target = try HostPort(url: publicURL)
            let admin = try HostPort(url: adminURL)
            let server = ServerUnderTest(
                host: target.host,
                port: target.port,
                adminHost: admin.host,
                adminPort: admin.port,
                pid: pid,
                group: self.group
            )
            return StartedServer(server: server, spawned: nil, secret: self.options.jwtSecret)
        case .spawn(let executable, let serverCPUs):
            let secret = Self.randomSecret()
            let pins = self.pinnedUsers()
            let spawned = try SpawnedServer.start(
                executable: executable,
                serverCPUs: serverCPUs,
                secret: secret,
                flags: BenchConfigFiles.flagsYAML(percentage: self.splitPercent ?? 0, native: pins.native, compat: pins.compat),
                apps: BenchConfigFiles.appsYAML(apps: self.options.apps, webhookPort: webhookPort)
            )
            let server = ServerUnderTest(
                host: "127.0.0.1",
                port: spawned.port,
                adminHost: "127.0.0.1",
                adminPort: spawned.adminPort,
                pid: spawned.pid,
                group: self.group
            )
            self.note(
                "spawned turnout serve (pid \(spawned.pid)) on 127.0.0.1:\(spawned.port), admin \(spawned.adminPort), files in \(spawned.directory.path)"
            )
            do {
                try await server.waitUntilHealthy(timeout: .seconds(60)) { spawned.isRunning }
            } catch {
                await spawned.stop()
                throw error
            }
            return StartedServer(server: server, spawned: spawned, secret: secret)
        }
    }

    /// The connections one measurement holds open at once (for the open-file limit).
    private var connectionsPerMeasurement: Int {
        switch self.options.scenario {
        case .echo, .idle: self.options.connections
        case .broadcast: self.options.apps + 1
        case .fanout, .glasses: self.options.users * (self.options.apps + 1)
        }
    }

    // MARK: Pieces shared by the scenarios

    var splitPercent: Int? {
        if case .split(let percent) = self.options.plan { return percent }
        return nil
    }

    /// Users per measurement (fanout: publishers).
    var userCount: Int { self.options.users }

    private func makeStats() async throws -> [NIOLoopBound<LoopStats>] {
        var stats: [NIOLoopBound<LoopStats>] = []
        for loop in self.loops {
            stats.append(try await loop.submit { NIOLoopBound(LoopStats(), eventLoop: loop) }.get())
        }
        return stats
    }

    /// The user id of user `user` of measurement `measurement`, candidate `candidate` (more
    /// candidates are tried when the flags put one on the wrong stack).
    func userId(measurement: Int, stack: BenchStack?, user: Int, candidate: Int) -> String {
        "bench-\(self.runTag)-m\(measurement)-\(stack?.rawValue ?? "split")-u\(user)-k\(candidate)@bench.local"
    }

    /// Spawned servers pin the first candidate of every single-stack user to its stack, and in
    /// a split exactly ``StackPlan/splitNativeCount(users:nativePercent:)`` of the users to native
    /// and the rest to compat. The bench still learns each user's stack from `/admin/route`.
    private func pinnedUsers() -> (native: [String], compat: [String]) {
        guard self.options.scenario.usesCore else { return ([], []) }
        var pins: (native: [String], compat: [String]) = ([], [])
        for (measurement, stacks) in self.options.plan.measurements.enumerated() {
            if let percent = self.splitPercent {
                let ids = (0..<self.userCount).map { self.userId(measurement: measurement, stack: nil, user: $0, candidate: 0) }
                let split = StackPlan.splitPins(ids, nativePercent: percent)
                pins.native += split.native
                pins.compat += split.compat
                continue
            }
            for stack in stacks {
                let ids = (0..<self.userCount).map { self.userId(measurement: measurement, stack: stack, user: $0, candidate: 0) }
                if stack == .native { pins.native += ids } else { pins.compat += ids }
            }
        }
        return pins
    }

    /// Adds every loop's counters per stack; runs `body` on each loop first.
    func collect(_ stats: [NIOLoopBound<LoopStats>], _ body: @escaping @Sendable (LoopStats) -> Void = { _ in }) async throws -> [StackCounters] {
        var total = [StackCounters(), StackCounters()]
        for bound in stats {
            let counters = try await bound.eventLoop.submit {
                body(bound.value)
                return bound.value.counters
            }.get()
            total[0].add(counters[0])
            total[1].add(counters[1])
        }
        return total
    }

    /// Whether `check` holds on every loop.
    func everyLoop(_ stats: [NIOLoopBound<LoopStats>], _ check: @escaping @Sendable (LoopStats) -> Bool) async throws -> Bool {
        for bound in stats {
            let holds = try await bound.eventLoop.submit { check(bound.value) }.get()
            if !holds { return false }
        }
        return true
    }

    /// Sleeps through the measured window, printing progress once a second.
    func runFor(_ duration: Duration, label: String, stats: [NIOLoopBound<LoopStats>]) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        // Count from what was received before the window (setup round trips, probes).
        var previous = 0
        if self.options.progress {
            let counters = try await self.collect(stats)
            previous = counters[0].received + counters[1].received
        }
        while clock.now < end {
            try await Task.sleep(for: min(.seconds(1), end - clock.now))
            guard self.options.progress else { continue }
            let counters = try await self.collect(stats)
            let received = counters[0].received + counters[1].received
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let total = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            let width = 20
            let filled = min(width, Int(Double(width) * seconds / max(total, 0.001)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(
                Data("\r[\(bar)] \(label) \(Int(seconds))/\(Int(total)) s, \(received - previous) msgs in the last second   ".utf8)
            )
            previous = received
        }
        if self.options.progress { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// The samples around one measured window.
    struct MeasuredWindow {
        /// The server before and after (`nil` without a pid).
        var server: (before: ProcessSample?, after: ProcessSample?)
        /// The bench itself before and after.
        var client: (before: ProcessSample, after: ProcessSample)
        /// Seconds from the start of the window to its deadline: the rates' denominator.
        var seconds: Double
    }

    /// Runs one measured window: samples the server and the bench, calls `start` with the
    /// deadline (monotonic nanoseconds) to set the load going, sleeps through
    /// ``BenchOptions/durationPerMeasurement`` printing progress, and samples again.
    func measuredWindow(
        server: ServerUnderTest,
        stats: [NIOLoopBound<LoopStats>],
        label: String,
        start: (_ deadline: UInt64) async throws -> Void
    ) async throws -> MeasuredWindow {
        let duration = self.options.durationPerMeasurement
        let serverBefore = server.sample()
        let clientBefore = ProcessSample.ownProcess()
        let deadline = MonotonicClock.deadline(after: duration)
        try await start(deadline)
        try await self.runFor(duration, label: label, stats: stats)
        return MeasuredWindow(
            server: (serverBefore, server.sample()),
            client: (clientBefore, ProcessSample.ownProcess()),
            seconds: Double(deadline &- clientBefore.at) / 1e9
        )
    }

    /// Whether `check` came to hold, asking every 50 ms for at most `timeout`.
    func poll(for timeout: Duration, _ check: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while true {
            if try await check() { return true }
            if clock.now >= end { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Closes a measurement's channels (waiting for each) and resets every loop's handlers and
    /// counters for the next measurement.
    func tearDown(_ channels: [any Channel], stats: [NIOLoopBound<LoopStats>]) async throws {
        for channel in channels { try? await channel.close() }
        for bound in stats { try await bound.eventLoop.submit { bound.value.reset() }.get() }
    }

    /// Each loaded stack's result from the counters (indexed by ``BenchStack/index``) and the
    /// samples around the measured window.
    ///
    /// RSS per connection is the server's growth over every connection of the measurement, so
    /// in a split both stacks show the whole process's figure.
    func results(
        stacks: [BenchStack],
        counters: [StackCounters],
        window: MeasuredWindow,
        rss: (idle: ProcessSample?, loaded: ProcessSample?),
        mismatches: [[String]] = [[], []],
        metricsDeliveries: [Int]? = nil
    ) -> [StackResult] {
        let server = window.server
        let client = window.client
        let seconds = window.seconds
        var serverCPU: Double?
        if let before = server.before, let after = server.after { serverCPU = after.cpuPercent(since: before) }
        let connections = counters.reduce(0) { $0 + $1.connections }
        var rssPerConnection: Double?
        if let idle = rss.idle?.rssKiB, let loaded = rss.loaded?.rssKiB, connections > 0 {
            rssPerConnection = (loaded - idle) / Double(connections)
        }
        return stacks.map { stack in
            let counters = counters[stack.index]
            let micros = { (percentile: Double) in Double(counters.latency.valueAtPercentile(percentile)) / 1000 }
            return StackResult(
                stack: stack,
                messagesPerSecond: Double(counters.received) / seconds,
                p50Micros: micros(50),
                p99Micros: micros(99),
                p999Micros: micros(99.9),
                latencyCDF: counters.latency.totalCount == 0
                    ? [] : LatencyPoint.percentiles.map { LatencyPoint(percentile: $0, micros: micros($0)) },
                audioBytesPerSecond: Double(counters.audioBytesReceived) / seconds,
                serverCPUPercent: serverCPU,
                clientCPUPercent: client.after.cpuPercent(since: client.before),
                rssPerConnectionKiB: rssPerConnection,
                connections: counters.connections,
                sent: counters.sent,
                received: counters.received,
                errors: counters.errors,
                drops: counters.lost,
                reordered: counters.reordered,
                metricsMismatches: mismatches[stack.index],
                metricsDeliveries: metricsDeliveries?[stack.index]
            )
        }
    }

    private func report(measurements: [[StackResult]], server: ServerUnderTest?) -> BenchReport {
        let summary = BenchStack.allCases.compactMap { stack in
            StackResult.median(of: measurements.flatMap { $0.filter { $0.stack == stack } })
        }
        var warnings: [String] = []
        // Idle has no load, so neither process uses enough CPU for the comparison to mean anything.
        for result in summary where self.options.scenario != .idle {
            if let serverCPU = result.serverCPUPercent, result.clientCPUPercent > serverCPU {
                warnings.append(
                    "\(result.stack.rawValue): the client used more CPU (\(Int(result.clientCPUPercent)) %) than the server (\(Int(serverCPU)) %); the client may be the bottleneck"
                )
            }
        }
        if server?.pid == nil {
            warnings.append("server CPU and RSS unknown: pass --server-pid with --url, or use --spawn")
        }
        if !self.options.scenario.usesCore {
            let path = self.options.scenario == .broadcast ? "/fanout-ws" : "/echo-ws"
            warnings.append("\(path) bypasses the core, so /metrics has no message counters to cross-check; glasses and fanout are cross-checked")
        }
        var split: SplitCheck?
        if let percent = self.splitPercent {
            warnings.append("split: both stacks share one server process, so server CPU and RSS per connection are for the whole process")
            var pinned = false
            if case .spawn = self.options.target { pinned = true }
            split = SplitCheck(
                nativePercent: percent,
                compat: summary.first { $0.stack == .compat },
                native: summary.first { $0.stack == .native },
                usersPinned: pinned,
                ratePaced: self.options.scenario == .glasses
            )
        }
        let parameters: String
        switch self.options.scenario {
        case .echo: parameters = "connections=\(self.options.connections) size=\(self.options.size)"
        case .fanout: parameters = "publishers=\(self.options.users) subscribers=\(self.options.apps) window=\(self.options.window)"
        case .glasses:
            parameters = "users=\(self.options.users) apps=\(self.options.apps) rate=\(self.options.rate)/s audio=\(self.options.audioRate)/s"
        case .broadcast: parameters = "subscribers=\(self.options.apps) size=\(self.options.size) window=\(self.options.window)"
        case .idle: parameters = "connections=\(self.options.connections)"
        }
        let duration = self.options.durationPerMeasurement.components
        return BenchReport(
            scenario: self.options.scenario,
            plan: self.options.plan.description,
            parameters: parameters,
            secondsPerMeasurement: Double(duration.seconds) + Double(duration.attoseconds) / 1e18,
            measurements: measurements,
            summary: summary,
            warnings: warnings,
            split: split
        )
    }

    func note(_ message: String) {
        if self.options.progress { FileHandle.standardError.write(Data("bench: \(message)\n".utf8)) }
    }

    private static func randomSecret() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        return String((0..<48).map { _ in alphabet.randomElement()! })
    }
}
