import Foundation
import NIOCore
import TurnoutCore
import TurnoutTransport

extension BenchRunner {
    /// One glasses or fanout measurement: users and apps set up over the real protocol, load
    /// until the deadline, drain, count, and cross-check `/metrics`.
    func measureUsers(
        _ measurement: Int,
        stacks: [BenchStack],
        server: ServerUnderTest,
        stats: [NIOLoopBound<LoopStats>],
        authority: TokenAuthority,
        label: String
    ) async throws -> [StackResult] {
        let pacing: UserDriver.Pacing =
            self.options.scenario == .fanout ? .window(self.options.window) : .rate(json: self.options.rate, audio: self.options.audioRate)
        let users = try await self.assignUsers(measurement, stacks: stacks, server: server)
        let idle = server.sample()
        defer {
            for channel in self.registry.clear() { channel.close(promise: nil) }
        }

        for (index, user) in users.enumerated() {
            _ = try await self.connectUser(
                user.id,
                stack: user.stack,
                on: stats[index % stats.count],
                server: server,
                authority: authority,
                pacing: pacing
            ) { [self] bound in
                // --reconnect: a user whose instance leaves moves through the balancer.
                if self.options.reconnect { bound.value.reconnecting = self.reconnecting(bound, server: server, followsLeavingInstance: true) }
            }
        }
        try await self.waitUntilReady(stats)
        if self.options.reconnect {
            // scripts/cluster.sh asks each instance for these users' sockets while the load runs.
            FileHandle.standardOutput.write(Data("users: \(users.map(\.id).joined(separator: " "))\n".utf8))
        }
        try await Task.sleep(for: .milliseconds(200))
        let loaded = server.sample()
        let before = try await server.metrics()

        let window = try await self.measuredWindow(server: server, stats: stats, label: label) { deadline in
            for bound in stats {
                let loop = bound.eventLoop
                try await loop.submit {
                    for user in bound.value.users { user.begin(deadline: deadline) }
                    guard case .rate = pacing else { return }
                    bound.value.ticker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { _ in
                        let now = MonotonicClock.nanoseconds
                        for user in bound.value.users { user.tick(now: now) }
                    }
                }.get()
            }
        }

        // Drain: everything sent reaches every app, at most 5 s.
        for bound in stats {
            try await bound.eventLoop.submit {
                bound.value.ticker?.cancel()
                bound.value.ticker = nil
            }.get()
        }
        for _ in 0..<100 {
            if try await self.everyLoop(stats, { $0.users.allSatisfy(\.isDrained) }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let counters = try await self.collect(stats) { loop in
            for user in loop.users { user.finish() }
        }
        let check: (mismatches: [[String]], deliveries: [Int])
        if self.options.reconnect {
            // A leaving instance takes its counters with it: there is nothing to cross-check.
            Self.printMoves(counters)
            check = ([[], []], [0, 0])
        } else {
            let after = try await server.metrics()
            check = Self.crossCheck(before: before, after: after, counters: counters, stacks: stacks)
        }

        try await self.stopAppsAndTearDown(stats)
        return self.results(
            stacks: stacks,
            counters: counters,
            window: window,
            rss: (idle, loaded),
            mismatches: check.mismatches,
            metricsDeliveries: check.deliveries
        )
    }

    /// Stops every app (so the server does not restart them when their sockets close), then
    /// closes everything.
    func stopAppsAndTearDown(_ stats: [NIOLoopBound<LoopStats>]) async throws {
        for bound in stats {
            try await bound.eventLoop.submit {
                for user in bound.value.users { user.stopApps() }
            }.get()
        }
        try await Task.sleep(for: .milliseconds(200))
        try await self.tearDown(self.registry.clear(), stats: stats)
    }

    /// Creates user `id`'s driver on `bound`'s loop, connects its glasses and asks for its apps;
    /// the apps connect when their webhooks arrive (``webhookArrived(_:registry:)``).
    ///
    /// - Parameter configure: Runs on the loop before the glasses connect (a ramp sets up reconnects).
    /// - Returns: The driver.
    func connectUser(
        _ id: String,
        stack: BenchStack,
        on bound: NIOLoopBound<LoopStats>,
        server: ServerUnderTest,
        authority: TokenAuthority,
        pacing: UserDriver.Pacing,
        configure: @escaping @Sendable (NIOLoopBound<UserDriver>) -> Void = { _ in }
    ) async throws -> NIOLoopBound<UserDriver> {
        let apps = self.options.apps
        let packages = (0..<apps).map(BenchConfigFiles.package)
        let keys = (0..<apps).map(BenchConfigFiles.apiKey)
        let loop = bound.eventLoop
        let driver = try await loop.submit {
            let driver = UserDriver(userId: id, stack: stack, packages: packages, apiKeys: keys, stats: bound.value, pacing: pacing)
            bound.value.users.append(driver)
            let loopBound = NIOLoopBound(driver, eventLoop: loop)
            configure(loopBound)
            return loopBound
        }.get()
        self.registry.register(id, .init(loop: loop, driver: driver, packages: packages))
        let token = try await authority.glassesToken(email: id)
        try await loop.submit { driver.value.token = token }.get()
        // A busy machine can fail a handshake now and then: retry as the glasses app would.
        var attempt = 0
        let glasses: any Channel
        while true {
            do {
                glasses = try await WebSocketConnector.connect(on: loop, host: server.host, port: server.port, uri: "/glasses-ws?token=\(token)") {
                    channel in
                    try channel.pipeline.syncOperations.addHandler(GlassesClientHandler(driver: driver.value))
                }
                break
            } catch let error as BenchError where attempt + 1 < UserDriver.reconnectDelays.count {
                self.note("\(id): \(error); trying again")
                try await Task.sleep(for: .nanoseconds(UserDriver.reconnectDelays[attempt].nanoseconds))
                attempt += 1
            }
        }
        self.registry.keep(glasses)
        glasses.pipeline.fireUserInboundEventTriggered(GlassesClientHandler.StartApps())
        return driver
    }

    /// Waits until every user on every loop is ready (apps acked and subscribed), at most 30 s.
    ///
    /// - Throws: ``BenchError/setup(_:)`` with the first failures when they are not.
    func waitUntilReady(_ stats: [NIOLoopBound<LoopStats>]) async throws {
        var ready = false
        // A server injecting faults (a guard drill) may close a user's socket during setup.
        let faultsInjected = !self.options.serverFaults.isEmpty
        for _ in 0..<600 {
            ready = try await self.everyLoop(stats) { $0.users.allSatisfy { $0.finished || $0.isReady || faultsInjected && $0.lostSocketInSetup } }
            if ready || !self.registry.failureMessages.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard ready else {
            let failures = self.registry.failureMessages
            throw BenchError.setup(
                "not every user became ready within 30 s (webhook → app connect → init → subscribe)"
                    + (failures.isEmpty ? "" : ": " + failures.prefix(3).joined(separator: "; "))
            )
        }
    }

    /// The users of one measurement and their stacks, as the server's flags decide them.
    ///
    /// Single-stack measurements try up to 64 candidate ids per user until `/admin/route` puts
    /// one on the wanted stack (a spawned server pins the first); split measurements take what
    /// the flags give (a spawned server pins exactly round(U×P/100) of them to native).
    private func assignUsers(_ measurement: Int, stacks: [BenchStack], server: ServerUnderTest) async throws -> [(id: String, stack: BenchStack)] {
        var users: [(id: String, stack: BenchStack)] = []
        for user in 0..<self.userCount {
            if stacks.count > 1 {
                let id = self.userId(measurement: measurement, stack: nil, user: user, candidate: 0)
                let glasses = try await server.route(userId: id, endpoint: "glasses")
                let app = try await server.route(userId: id, endpoint: "app")
                guard glasses == app else {
                    throw BenchError.setup(
                        "the flags put \(id)'s glasses on \(glasses.rawValue) but its apps on \(app.rawValue); use endpoints [glasses, app]"
                    )
                }
                users.append((id, glasses))
                continue
            }
            var found: String?
            for candidate in 0..<64 {
                let id = self.userId(measurement: measurement, stack: stacks[0], user: user, candidate: candidate)
                if try await server.route(userId: id, endpoint: "glasses") == stacks[0],
                    try await server.route(userId: id, endpoint: "app") == stacks[0]
                {
                    found = id
                    break
                }
            }
            guard let found else {
                throw BenchError.setup(
                    "no user id among 64 candidates lands on \(stacks[0].rawValue) with this server's flags; set its percentage between 1 and 99"
                )
            }
            users.append((found, stacks[0]))
        }
        return users
    }

    /// Compares the deltas of the server's per-stack message counters with the bench's counts:
    /// messages the glasses endpoint received, and messages the app endpoint sent.
    ///
    /// - Returns: Per stack index, the disagreements and the app deliveries `/metrics` counted.
    static func crossCheck(
        before: MetricsText,
        after: MetricsText,
        counters: [StackCounters],
        stacks: [BenchStack]
    ) -> (mismatches: [[String]], deliveries: [Int]) {
        var mismatches: [[String]] = [[], []]
        var deliveries = [0, 0]
        for stack in stacks {
            let counts = counters[stack.index]
            let checks: [(metric: String, endpoint: String, bench: Int, what: String)] = [
                ("turnout_messages_received_total", "glasses", counts.jsonSent + counts.audioSent, "messages the glasses sent"),
                ("turnout_messages_sent_total", "app", counts.received, "deliveries the apps received"),
            ]
            for check in checks {
                let labels = ["stack": stack.rawValue, "endpoint": check.endpoint]
                let delta = Int(after.sum(check.metric, labels) - before.sum(check.metric, labels))
                if check.endpoint == "app" { deliveries[stack.index] = delta }
                if delta != check.bench {
                    mismatches[stack.index].append(
                        "\(check.metric){stack=\"\(stack.rawValue)\",endpoint=\"\(check.endpoint)\"} grew by \(delta), but the bench counted \(check.bench) \(check.what)"
                    )
                }
            }
        }
        return (mismatches, deliveries)
    }

    /// One line per stack that saw moves, for scripts/cluster.sh:
    /// `moves: stack=native moved=12 still-moving=0 lost-in-move=3 reconnect-p50-ms=812 reconnect-max-ms=1210`.
    static func printMoves(_ counters: [StackCounters]) {
        for stack in BenchStack.allCases {
            let counts = counters[stack.index]
            let times = counts.reconnectNanoseconds.sorted()
            let p50 = times.isEmpty ? 0 : times[times.count / 2] / 1_000_000
            let max = (times.last ?? 0) / 1_000_000
            print(
                "moves: stack=\(stack.rawValue) moved=\(counts.moves) still-moving=\(counts.stillMoving) lost-in-move=\(counts.lostInMove) "
                    + "reconnect-p50-ms=\(p50) reconnect-max-ms=\(max)"
            )
        }
    }

    /// A webhook from the server: for a `session_request` of a known user, connect the app.
    func webhookArrived(_ body: String, registry: UserRegistry) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            object["type"] as? String == "session_request",
            let userId = object["userId"] as? String,
            let sessionId = object["sessionId"] as? String,
            let url = object["augmentOSWebsocketUrl"] as? String,
            let entry = registry.entry(userId)
        else { return }
        let package = String(sessionId.dropFirst(userId.count + 1))
        guard let index = entry.packages.firstIndex(of: package) else {
            registry.fail("a session_request for unknown package \(package)")
            return
        }
        guard let target = try? HostPort(url: url) else {
            registry.fail("a session_request with an unusable URL: \(url)")
            return
        }
        let driver = entry.driver
        entry.loop.execute {
            driver.value.apps[index].url = target
            driver.value.sessionRequested(index)
        }
        Task {
            do {
                try await self.connectApp(index, of: driver, at: target)
            } catch {
                registry.fail("app \(package) of \(userId): \(error)")
            }
        }
    }

    /// Connects app `index` of `driver`'s user to `target` (the webhook's URL) and sends its init.
    func connectApp(_ index: Int, of driver: NIOLoopBound<UserDriver>, at target: HostPort) async throws {
        let channel = try await WebSocketConnector.connect(on: driver.eventLoop, host: target.host, port: target.port, uri: target.path) {
            channel in
            try channel.pipeline.syncOperations.addHandler(AppClientHandler(driver: driver.value, index: index))
        }
        self.registry.keep(channel)
        channel.pipeline.fireUserInboundEventTriggered(AppClientHandler.Init())
    }
}
