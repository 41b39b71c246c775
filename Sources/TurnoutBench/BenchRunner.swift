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
            if let ramp = self.options.ramp {
                guard let started, let spawned = started.spawned, let authority else { preconditionFailure("a ramp runs on a spawned server") }
                let flags = SpawnedFlagFile(path: spawned.directory.appendingPathComponent("flags.yaml").path)
                if let soak = self.options.soak {
                    let run = try await self.measureSoak(ramp, soak: soak, server: started.server, flags: flags, stats: stats, authority: authority)
                    await started.stop()
                    var report = self.report(measurements: [run.results], server: started.server)
                    report.ramp = run.ramp
                    report.soak = run.soak
                    return report
                }
                let run = try await self.measureRamp(ramp, server: started.server, flags: flags, stats: stats, authority: authority)
                await started.stop()
                var report = self.report(measurements: [run.results], server: started.server)
                report.ramp = run.ramp
                return report
            }
            var measurements: [[StackResult]] = []
            var lastServer: ServerUnderTest?
            let loadStarted = Date()
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
            var guardState: String?
            if self.options.serverGuard != nil, let server = lastServer {
                guardState = await server.guardState(since: loadStarted)
            }
            await started?.stop()
            var report = self.report(measurements: measurements, server: lastServer)
            report.guardState = guardState
            return report
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
                flags: BenchConfigFiles.flagsYAML(
                    percentage: self.options.ramp?.steps[0] ?? self.splitPercent ?? 0,
                    native: pins.native,
                    compat: pins.compat,
                    migrateWindow: self.options.ramp?.migrateWindowYAML,
                    guardBlock: self.options.serverGuard
                ),
                apps: BenchConfigFiles.appsYAML(apps: self.options.apps, webhookPort: webhookPort),
                faults: self.options.serverFaults,
                faultSeed: self.options.faultSeed
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
        // With --reconnect the split has no /metrics to be read from (instances leave with theirs).
        if let percent = self.splitPercent, !self.options.reconnect {
            warnings.append(BenchReport.sharedProcessWarning)
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
        let duration = (self.options.soak?.duration ?? self.options.ramp?.duration ?? self.options.durationPerMeasurement).components
        return BenchReport(
            scenario: self.options.scenario,
            plan: self.options.ramp.map { "ramp \($0.steps.map(String.init).joined(separator: ",")) every \($0.every)" }
                ?? self.options.plan.description,
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
