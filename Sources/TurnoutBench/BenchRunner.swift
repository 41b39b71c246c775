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
        let stats = try await self.makeStats()
        let usesApps = self.options.scenario != .echo
        var webhook: (any Channel)?
        if usesApps {
            webhook = try await WebhookServer.start(group: self.group, port: self.options.webhookPort) { [registry, weak self] body in
                guard let self else { return }
                self.webhookArrived(body, registry: registry)
            }
        }
        defer { webhook?.close(promise: nil) }
        let webhookPort = webhook?.localAddress?.port ?? self.options.webhookPort

        let server: ServerUnderTest
        var spawned: SpawnedServer?
        var secret = self.options.jwtSecret
        switch self.options.target {
        case .url(let publicURL, let adminURL, let pid):
            let target = try HostPort(url: publicURL)
            let admin = try HostPort(url: adminURL)
            server = ServerUnderTest(host: target.host, port: target.port, adminHost: admin.host, adminPort: admin.port, pid: pid, group: self.group)
        case .spawn(let executable, let serverCPUs):
            let generated = Self.randomSecret()
            secret = generated
            let pins = self.pinnedUsers()
            let started = try SpawnedServer.start(
                executable: executable,
                serverCPUs: serverCPUs,
                secret: generated,
                flags: BenchConfigFiles.flagsYAML(percentage: self.splitPercent ?? 0, native: pins.native, compat: pins.compat),
                apps: BenchConfigFiles.appsYAML(apps: self.options.apps, webhookPort: webhookPort)
            )
            spawned = started
            server = ServerUnderTest(host: "127.0.0.1", port: started.port, adminHost: "127.0.0.1", adminPort: started.adminPort, pid: started.pid, group: self.group)
            self.note("spawned turnout serve (pid \(started.pid)) on 127.0.0.1:\(started.port), admin \(started.adminPort), files in \(started.directory.path)")
            do {
                try await server.waitUntilHealthy(timeout: .seconds(60)) { started.isRunning }
            } catch {
                await started.stop()
                throw error
            }
        }

        do {
            var authority: TokenAuthority?
            if usesApps {
                guard let secret = secret ?? ProcessInfo.processInfo.environment["AUGMENTOS_AUTH_JWT_SECRET"] else {
                    throw BenchError.invalidOption("--url with --scenario \(self.options.scenario.rawValue) needs the server's JWT secret: pass --jwt-secret or set AUGMENTOS_AUTH_JWT_SECRET")
                }
                do {
                    authority = try await TokenAuthority(secret: secret)
                } catch {
                    throw BenchError.invalidOption("the JWT secret is unusable: \(error)")
                }
            }
            var measurements: [[StackResult]] = []
            let plan = self.options.plan.measurements
            for (index, stacks) in plan.enumerated() {
                let label = "\(index + 1)/\(plan.count) \(stacks.map(\.rawValue).joined(separator: "+"))"
                let results: [StackResult]
                if let authority {
                    results = try await self.measureUsers(index, stacks: stacks, server: server, stats: stats, authority: authority, label: label)
                } else {
                    results = try await self.measureEcho(stacks: stacks, server: server, stats: stats, label: label)
                }
                measurements.append(results)
            }
            await spawned?.stop()
            return self.report(measurements: measurements, server: server)
        } catch {
            await spawned?.stop()
            throw error
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
        guard self.options.scenario != .echo else { return ([], []) }
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
        var previous = 0
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

    /// One stack's result from the counters and the samples around the measured window.
    func result(
        stack: BenchStack,
        counters: StackCounters,
        seconds: Double,
        server: (before: ProcessSample?, after: ProcessSample?),
        client: (before: ProcessSample, after: ProcessSample),
        rss: (idle: ProcessSample?, loaded: ProcessSample?),
        mismatches: [String],
        metricsDeliveries: Int? = nil
    ) -> StackResult {
        var serverCPU: Double?
        if let before = server.before, let after = server.after { serverCPU = after.cpuPercent(since: before) }
        var rssPerConnection: Double?
        if let idle = rss.idle?.rssKiB, let loaded = rss.loaded?.rssKiB, counters.connections > 0 {
            rssPerConnection = (loaded - idle) / Double(counters.connections)
        }
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
            metricsMismatches: mismatches,
            metricsDeliveries: metricsDeliveries
        )
    }

    private func report(measurements: [[StackResult]], server: ServerUnderTest) -> BenchReport {
        let summary = BenchStack.allCases.compactMap { stack in
            StackResult.median(of: measurements.flatMap { $0.filter { $0.stack == stack } })
        }
        var warnings: [String] = []
        for result in summary {
            if let serverCPU = result.serverCPUPercent, result.clientCPUPercent > serverCPU {
                warnings.append(
                    "\(result.stack.rawValue): the client used more CPU (\(Int(result.clientCPUPercent)) %) than the server (\(Int(serverCPU)) %); the client may be the bottleneck"
                )
            }
        }
        if server.pid == nil {
            warnings.append("server CPU and RSS unknown: pass --server-pid with --url, or use --spawn")
        }
        if self.options.scenario == .echo {
            warnings.append("/echo-ws bypasses the core, so /metrics has no message counters to cross-check; glasses and fanout are cross-checked")
        }
        var split: SplitCheck?
        if let percent = self.splitPercent {
            warnings.append("split: both stacks share one server process, so server CPU and RSS per connection are for the whole process")
            split = SplitCheck(
                nativePercent: percent,
                compat: summary.first { $0.stack == .compat },
                native: summary.first { $0.stack == .native }
            )
        }
        let parameters: String
        switch self.options.scenario {
        case .echo: parameters = "connections=\(self.options.connections) size=\(self.options.size)"
        case .fanout: parameters = "publishers=\(self.options.users) subscribers=\(self.options.apps) window=\(self.options.window)"
        case .glasses:
            parameters = "users=\(self.options.users) apps=\(self.options.apps) rate=\(self.options.rate)/s audio=\(self.options.audioRate)/s"
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
