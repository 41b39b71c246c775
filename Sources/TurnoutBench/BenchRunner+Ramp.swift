import Foundation
import NIOCore
package import TurnoutCore
import TurnoutFlags
import TurnoutTransport

/// `--ramp`: the glasses workload on a spawned server while the bench edits its flag step by step.
extension BenchRunner {
    /// The server's app reconnect grace (`CoreConfiguration`'s default, which `turnout serve` keeps).
    static let appReconnectGrace = Duration.seconds(5)

    /// One user of a ramp: where it is and the stack its connections should be on.
    struct RampUser: Sendable {
        var slot: Int
        var id: String
        var driver: NIOLoopBound<UserDriver>
        var stack: BenchStack
    }

    /// Runs the ramp: sets the users up at the first step, starts the load, edits the flag at
    /// every later step and checks each step at its end, then drains and checks the totals.
    ///
    /// - Returns: The run's result per stack (the stack each user started on), and the ramp's.
    func measureRamp(
        _ plan: RampPlan,
        server: ServerUnderTest,
        flags: SpawnedFlagFile,
        stats: [NIOLoopBound<LoopStats>],
        authority: TokenAuthority
    ) async throws -> (results: [StackResult], ramp: RampResult) {
        defer {
            for channel in self.registry.clear() { channel.close(promise: nil) }
        }
        var run = try await self.startRamp(server: server, flags: flags, stats: stats, authority: authority)
        for (index, percent) in plan.steps.enumerated() {
            var moved = 0
            if index > 0 {
                let edit = try flags.edit(percentage: percent)
                run.snapshot = edit.snapshot
                moved = try await self.edit(edit, flags: flags, users: &run.users)
            }
            try await self.hold(plan.every, label: "step \(index + 1)/\(plan.steps.count): \(percent) %", stats: stats)
            let step = try await self.endStep(index + 1, percent: percent, moved: moved, run: &run, server: server)
            self.note(step.summary)
        }
        return try await self.finishRamp(plan, run: run, server: server, stats: stats)
    }

    /// A ramp or soak under way: its users, the flag it last wrote, what it has measured so far,
    /// and the counts taken when the load began.
    struct RampRun {
        var users: [RampUser]
        var snapshot: FlagSnapshot
        var pacing: UserDriver.Pacing
        var steps: [RampStepResult] = []
        var moves: [UInt64] = []
        var metricsBefore: MetricsText
        var before: (appFrames: Int, written: Int)
        var clientBefore: ProcessSample
        var serverBefore: ProcessSample?
    }

    /// Sets every user up at the flag's first step, waits until all are ready, takes the
    /// counts the checks start from, and starts the load.
    func startRamp(
        server: ServerUnderTest,
        flags: SpawnedFlagFile,
        stats: [NIOLoopBound<LoopStats>],
        authority: TokenAuthority
    ) async throws -> RampRun {
        let pacing = UserDriver.Pacing.rate(json: self.options.rate, audio: self.options.audioRate)
        let snapshot = try flags.snapshot()
        var users: [RampUser] = []
        for slot in 0..<self.options.users {
            users.append(
                try await self.connectRampUser(slot: slot, snapshot: snapshot, stats: stats, server: server, authority: authority, pacing: pacing)
            )
        }
        try await self.waitUntilReady(stats)
        try await Task.sleep(for: .milliseconds(200))
        let run = RampRun(
            users: users,
            snapshot: snapshot,
            pacing: pacing,
            metricsBefore: try await server.metrics(),
            before: (
                appFrames: try await self.collect(stats).reduce(0) { $0 + $1.appFrames },
                written: try await self.collectUsers(stats) { $0.written }.reduce(0, +)
            ),
            clientBefore: ProcessSample.ownProcess(),
            serverBefore: server.sample()
        )
        try await self.startTicking(stats, pacing: pacing)
        return run
    }

    /// Ends a step: takes its moves, reads the native share from `/admin/connections`, and
    /// records the step's result.
    func endStep(_ step: Int, percent: Int, moved: Int, run: inout RampRun, server: ServerUnderTest) async throws -> RampStepResult {
        let moves = try await self.takeMoves(run.users)
        run.moves += moves.times
        let share = try await server.connectionShare()
        let result = RampStepResult(
            step: step,
            percent: percent,
            movedConnections: moved,
            unmovedConnections: moves.pending,
            moveMaxMs: moves.times.max().map { Double($0) / 1e6 },
            moveP50Ms: moves.times.isEmpty ? nil : Median.of(moves.times.map { Double($0) / 1e6 }),
            connections: share.total,
            nativeSharePercent: share.nativePercent
        )
        run.steps.append(result)
        return result
    }

    /// Stops the load, drains, checks the totals against the users' counts and `/metrics`, and
    /// closes everything.
    ///
    /// - Returns: The result per stack (the stack each user started on), and the ramp's.
    func finishRamp(
        _ plan: RampPlan,
        run: RampRun,
        server: ServerUnderTest,
        stats: [NIOLoopBound<LoopStats>]
    ) async throws -> (results: [StackResult], ramp: RampResult) {
        let counters = try await self.stopAndDrain(stats)
        let after = try await server.metrics()
        let window = MeasuredWindow(
            server: (run.serverBefore, server.sample()),
            client: (run.clientBefore, ProcessSample.ownProcess()),
            seconds: Double(MonotonicClock.nanoseconds &- run.clientBefore.at) / 1e9
        )
        let ramp = try await self.rampResult(
            plan,
            steps: run.steps,
            moves: run.moves,
            stats: stats,
            counters: counters,
            metrics: (run.metricsBefore, after),
            before: run.before
        )
        try await self.stopAppsAndTearDown(stats)
        let stacks: [BenchStack] = [.compat, .native].filter { counters[$0.index].connections > 0 }
        return (self.results(stacks: stacks, counters: counters, window: window, rss: (nil, nil)), ramp)
    }

    /// Writes `edit` and tells every user it moves to expect its 1012s, before the write so
    /// that no close can overtake the expectation; the moves are timed from the write.
    ///
    /// - Returns: The connections the edit moves.
    func edit(_ edit: SpawnedFlagFile.Edit, flags: SpawnedFlagFile, users: inout [RampUser]) async throws -> Int {
        var movers: [RampUser] = []
        for (position, user) in users.enumerated() {
            let target = BenchStack(edit.snapshot.decide(userId: user.id, endpoint: .glasses).stack)
            guard target != user.stack else { continue }
            users[position].stack = target
            movers.append(user)
            try await user.driver.eventLoop.submit { user.driver.value.expectMove() }.get()
        }
        try flags.write(edit)
        let since = MonotonicClock.nanoseconds
        for user in movers {
            try await user.driver.eventLoop.submit { user.driver.value.reconnecting?.moveSince = since }.get()
        }
        return movers.count * (1 + self.options.apps)
    }

    /// Creates the user of `slot`, on the stack `snapshot` gives it, reconnecting after 1012.
    func connectRampUser(
        slot: Int,
        generation: Int = 0,
        snapshot: FlagSnapshot,
        stats: [NIOLoopBound<LoopStats>],
        server: ServerUnderTest,
        authority: TokenAuthority,
        pacing: UserDriver.Pacing
    ) async throws -> RampUser {
        let id = RampUsers.id(slot: slot, of: self.options.users, generation: generation, prefix: "bench-\(self.runTag)")
        let stack = BenchStack(snapshot.decide(userId: id, endpoint: .glasses).stack)
        let driver = try await self.connectUser(
            id,
            stack: stack,
            on: stats[slot % stats.count],
            server: server,
            authority: authority,
            pacing: pacing
        ) { [self] bound in
            bound.value.reconnecting = self.reconnecting(bound, server: server)
        }
        return RampUser(slot: slot, id: id, driver: driver, stack: stack)
    }

    /// Reconnects the sockets of `driver`'s user to `server` as the SDKs do after a 1012 and,
    /// with `followsLeavingInstance` (`--reconnect`), after the 1001 of its instance leaving.
    func reconnecting(_ driver: NIOLoopBound<UserDriver>, server: ServerUnderTest, followsLeavingInstance: Bool = false) -> UserDriver.Reconnecting {
        UserDriver.Reconnecting(appGrace: Self.appReconnectGrace, followsLeavingInstance: followsLeavingInstance) { socket, attempt in
            Task { await self.reopen(socket, of: driver, attempt: attempt, server: server) }
        }
    }

    /// Opens `socket` of `driver`'s user again after a 1012, as the SDKs do, or after its
    /// instance left (`--reconnect`, through the same URL: the balancer picks the new one).
    func reopen(_ socket: UserDriver.Socket, of driver: NIOLoopBound<UserDriver>, attempt: Int, server: ServerUnderTest) async {
        let loop = driver.eventLoop
        do {
            switch socket {
            case .glasses:
                let token = try await loop.submit { driver.value.token }.get()
                let channel = try await WebSocketConnector.connect(on: loop, host: server.host, port: server.port, uri: "/glasses-ws?token=\(token)")
                {
                    channel in
                    try channel.pipeline.syncOperations.addHandler(GlassesClientHandler(driver: driver.value))
                }
                self.registry.keep(channel)
                try await loop.submit { driver.value.glassesReopened() }.get()
            case .app(let index):
                guard let target = try await loop.submit({ driver.value.apps[index].url }).get() else {
                    throw BenchError.setup("app \(index) has no URL to reconnect to")
                }
                try await self.connectApp(index, of: driver, at: target)
            }
        } catch {
            loop.execute { driver.value.reopenFailed(socket, on: loop, attempt: attempt, error: "\(error)") }
        }
    }

    /// Starts every loop's ticker (the glasses' pacing) with no deadline: the ramp stops it.
    func startTicking(_ stats: [NIOLoopBound<LoopStats>], pacing: UserDriver.Pacing) async throws {
        for bound in stats {
            let loop = bound.eventLoop
            try await loop.submit {
                for user in bound.value.users { user.begin(deadline: .max) }
                bound.value.ticker = loop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(5)) { _ in
                    let now = MonotonicClock.nanoseconds
                    for user in bound.value.users { user.tick(now: now) }
                }
            }.get()
        }
    }

    /// Sleeps through one step, printing a progress line every second.
    func hold(_ duration: Duration, label: String, stats: [NIOLoopBound<LoopStats>]) async throws {
        let clock = ContinuousClock()
        let end = clock.now + duration
        while clock.now < end {
            try await Task.sleep(for: min(.seconds(1), end - clock.now))
            guard self.options.progress else { continue }
            let pending = try await self.collectUsers(stats) { $0.pendingMoves.count }.reduce(0, +)
            FileHandle.standardError.write(Data("\r\(label): \(pending) connections still moving      ".utf8))
        }
        if self.options.progress { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// Runs `body` for every user on every loop and gathers the answers.
    func collectUsers<T: Sendable>(_ stats: [NIOLoopBound<LoopStats>], _ body: @escaping @Sendable (UserDriver) -> T) async throws -> [T] {
        var answers: [T] = []
        for bound in stats {
            answers += try await bound.eventLoop.submit { bound.value.users.map(body) }.get()
        }
        return answers
    }

    /// Takes the move times of the step that ends, and counts the moved sockets not yet back.
    func takeMoves(_ users: [RampUser]) async throws -> (times: [UInt64], pending: Int) {
        var times: [UInt64] = []
        var pending = 0
        for user in users {
            let (taken, left) = try await user.driver.eventLoop.submit {
                let driver = user.driver.value
                let taken = driver.reconnecting?.moveTimes ?? []
                driver.reconnecting?.moveTimes = []
                let left = driver.finished ? 0 : driver.pendingMoves.count
                driver.reconnecting?.moveSince = nil
                driver.reconnecting?.pendingMoves = []
                return (taken, left)
            }.get()
            times += taken
            pending += left
        }
        return (times, pending)
    }

    /// Stops the tickers, waits (at most 10 s) until every app has everything, and books the
    /// users' counts.
    func stopAndDrain(_ stats: [NIOLoopBound<LoopStats>]) async throws -> [StackCounters] {
        for bound in stats {
            try await bound.eventLoop.submit {
                bound.value.ticker?.cancel()
                bound.value.ticker = nil
            }.get()
        }
        _ = try await self.poll(for: .seconds(10)) {
            try await self.everyLoop(stats) { $0.users.allSatisfy { $0.finished || $0.isDrained } }
        }
        return try await self.collect(stats) { loop in
            for user in loop.users where !user.finished { user.finish() }
        }
    }

    /// The ramp's totals from every user, checked.
    func rampResult(
        _ plan: RampPlan,
        steps: [RampStepResult],
        moves: [UInt64],
        stats: [NIOLoopBound<LoopStats>],
        counters: [StackCounters],
        metrics: (before: MetricsText, after: MetricsText),
        before counts: (appFrames: Int, written: Int)
    ) async throws -> RampResult {
        let users = try await self.collectUsers(stats) { driver in
            (tally: driver.reconnecting?.tally, inFlight: driver.inFlightAtClose, written: driver.written)
        }
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }
        var result = RampResult(steps: steps, everySeconds: seconds(plan.every), migrateWindowSeconds: seconds(plan.migrateWindow))
        result.moveMaxMs = moves.max().map { Double($0) / 1e6 }
        result.moveP50Ms = moves.isEmpty ? nil : Median.of(moves.map { Double($0) / 1e6 })
        var problems: [String] = []
        var problemCount = 0
        var written = 0
        var inFlight = 0
        for user in users {
            guard let state = user.tally else { continue }
            result.closes1012 += state.closes1012
            result.reconnects += state.reconnects
            result.appStopped += state.appStopped
            result.graceRestarts += state.graceRestarts
            result.unexplainedRestarts += state.unexplainedRestarts
            for verdict in [state.json, state.audio].compactMap({ $0 }) {
                result.reordered += verdict.reordered
                result.inFlightAtClose += verdict.inFlightAtClose
                result.skippedWhileReconnecting += verdict.skipped
            }
            result.lost += (state.json?.lost ?? 0) + (state.json?.droppedWhileSlow ?? 0) + (state.audio?.lost ?? 0)
            result.droppedWhileSlow += state.audio?.droppedWhileSlow ?? 0
            problems += state.problems
            problemCount += state.problemCount
            written += user.written
            inFlight += user.inFlight
        }
        if result.closes1012 != result.reconnects {
            result.failures.append("\(result.closes1012 - result.reconnects) of \(result.closes1012) sockets closed with 1012 did not reconnect")
        }
        if result.appStopped > 0 { result.failures.append("\(result.appStopped) apps got app_stopped: their sessions did not survive") }
        if result.unexplainedRestarts > 0 {
            result.failures.append("\(result.unexplainedRestarts) apps were restarted through the webhook while still within their grace")
        }
        if result.lost > 0 { result.failures.append("\(result.lost) deliveries sent on an open socket were lost") }
        if result.reordered > 0 { result.failures.append("\(result.reordered) deliveries arrived out of order or twice") }
        result.failures += problems.prefix(10)
        if problemCount > 10 { result.failures.append("… and \(problemCount - 10) more problems") }
        result.failures += Self.rampCrossCheck(
            before: metrics.before,
            after: metrics.after,
            written: written - counts.written,
            inFlight: inFlight,
            appFrames: counters.reduce(0) { $0 + $1.appFrames } - counts.appFrames,
            droppedWhileSlow: result.droppedWhileSlow
        )
        return result
    }

    /// Compares `/metrics` with the bench's counts over a ramp, summed over both stacks (users move):
    /// the glasses messages the server received lie between what the glasses wrote less what
    /// was in flight at a close, and what they wrote; the app messages it sent are exactly what
    /// the apps received; the audio it dropped for slow consumers is exactly the audio missing
    /// at slow apps.
    package static func rampCrossCheck(
        before: MetricsText,
        after: MetricsText,
        written: Int,
        inFlight: Int,
        appFrames: Int,
        droppedWhileSlow: Int
    ) -> [String] {
        func delta(_ metric: String, _ labels: [String: String]) -> Int {
            Int(after.sum(metric, labels) - before.sum(metric, labels))
        }
        var lines: [String] = []
        let received = delta("turnout_messages_received_total", ["endpoint": "glasses"])
        if received < written - inFlight || received > written {
            lines.append(
                "/metrics: turnout_messages_received_total{endpoint=\"glasses\"} grew by \(received), but the glasses wrote \(written), of which \(inFlight) were in flight at a close"
            )
        }
        let sent = delta("turnout_messages_sent_total", ["endpoint": "app"])
        if sent != appFrames {
            lines.append("/metrics: turnout_messages_sent_total{endpoint=\"app\"} grew by \(sent), but the apps received \(appFrames) messages")
        }
        let dropped = delta("turnout_backpressure_events_total", ["kind": "audio_dropped"])
        if dropped != droppedWhileSlow {
            lines.append(
                "/metrics: turnout_backpressure_events_total{kind=\"audio_dropped\"} grew by \(dropped), but \(droppedWhileSlow) audio frames were missing at slow apps"
            )
        }
        return lines
    }
}

extension BenchStack {
    /// The bench's name for a flag decision's stack.
    init(_ stack: Stack) {
        self = stack == .native ? .native : .compat
    }
}
