import NIOCore
import NIOWebSocket

extension UserDriver {
    /// One socket of a user.
    enum Socket: Hashable, Sendable, CustomStringConvertible {
        case glasses
        case app(Int)

        var description: String {
            switch self {
            case .glasses: "glasses"
            case .app(let index): "app \(index)"
            }
        }
    }

    /// What a ramp, churn or `--reconnect` run adds to a user: reconnecting after 1012 as the
    /// SDKs do (and, with `--reconnect`, after the 1001 of an instance leaving), the moves of the
    /// current step, and what the step checker counts.
    struct Reconnecting {
        /// Opens `socket` again (try `attempt`, from 0); the runner's, called on the driver's
        /// loop once the reconnect delay has passed.
        var reopen: (_ socket: Socket, _ attempt: Int) -> Void
        /// The server's app reconnect grace: a restart through the webhook is expected only
        /// once an app has been away this long.
        var appGrace: UInt64
        /// `--reconnect`: a 1001 `Server shutting down` (the user's instance leaving, behind a
        /// balancer) moves the user: the glasses reconnect through the same URL and start the
        /// apps again, which come back through the new instance's webhooks.
        var followsLeavingInstance: Bool
        /// While such a move is under way: when it began (the first 1001, monotonic nanoseconds).
        var leftAt: UInt64?
        /// When the edit that moves this user was written (monotonic nanoseconds), while it moves.
        var moveSince: UInt64?
        /// The sockets of the move not yet bound on their new stack.
        var pendingMoves: Set<Socket> = []
        /// Sockets closed with 1012 and not bound again yet, with the time of the close.
        var migrating: [Socket: UInt64] = [:]
        /// Per moved socket, nanoseconds from the edit to its new socket being bound; taken by
        /// the runner at the end of each step.
        var moveTimes: [UInt64] = []
        /// What the checker counts.
        var tally = Tally()

        init(appGrace: Duration, followsLeavingInstance: Bool = false, reopen: @escaping (_ socket: Socket, _ attempt: Int) -> Void) {
            self.appGrace = UInt64(appGrace.components.seconds) * 1_000_000_000 + UInt64(appGrace.components.attoseconds / 1_000_000_000)
            self.followsLeavingInstance = followsLeavingInstance
            self.reopen = reopen
        }

        mutating func problem(_ text: String) {
            self.tally.problemCount += 1
            if self.tally.problems.count < 5 { self.tally.problems.append(text) }
        }

        mutating func record(json: EpochLedger.Verdict, audio: EpochLedger.Verdict) {
            self.tally.json = json
            self.tally.audio = audio
        }
    }

    /// One user's counts for the ramp checker.
    struct Tally: Sendable {
        /// Closes with 1012, and the sockets bound again after one.
        var closes1012 = 0
        var reconnects = 0
        /// `app_stopped` the bench did not ask for.
        var appStopped = 0
        /// Restarts through the webhook: after a grace that ran out, and without one.
        var graceRestarts = 0
        var unexplainedRestarts = 0
        /// What went wrong, for people: the first few lines, and how many in all.
        var problems: [String] = []
        var problemCount = 0
        /// The ledgers' verdicts, once the user finished.
        var json: EpochLedger.Verdict?
        var audio: EpochLedger.Verdict?

    }

    /// How long a client waits after a 1012 before reconnecting, and between failed attempts:
    /// MentraOS's SDK retries 1 s, 2 s and 4 s after the close.
    static let reconnectDelays: [TimeAmount] = [.seconds(1), .seconds(2), .seconds(4)]

    /// How long the glasses wait after their instance's 1001 before reconnecting through the
    /// balancer, and between failed attempts: at once, then every 250 ms for 10 s while the
    /// balancer has no instance ready for the user.
    static let leavingDelays: [TimeAmount] = [.zero] + Array(repeating: .milliseconds(250), count: 39)

    /// Whether the user's instance is leaving and the user is not yet running again elsewhere
    /// (`--reconnect`): the glasses send nothing meanwhile.
    var isLeaving: Bool { self.reconnecting?.leftAt != nil }

    // MARK: Moves

    /// The edit about to be written moves this user: every socket it has should close with 1012
    /// and come back on the other stack. The runner sets ``Reconnecting/moveSince`` once written.
    func expectMove() {
        guard self.reconnecting != nil, !self.finished else { return }
        var sockets: Set<Socket> = [.glasses]
        for index in self.apps.indices where !self.apps[index].stopping && self.apps[index].expectedWebhooks > 0 {
            sockets.insert(.app(index))
        }
        self.reconnecting?.pendingMoves = sockets
    }

    /// Whether the glasses and every app not stopped by the bench are connected and bound, and
    /// no move is under way: the soak's quiescent point.
    var isSettled: Bool {
        guard self.glasses != nil, self.reconnecting?.migrating.isEmpty ?? true, self.pendingMoves.isEmpty else { return false }
        return self.apps.allSatisfy { $0.stopping || ($0.context != nil && $0.acked) }
    }

    /// Why the user is not settled, for the soak's note; `nil` when it is.
    var unsettledReason: String? {
        if self.finished || self.isSettled { return nil }
        var parts: [String] = []
        if self.glasses == nil { parts.append("glasses not connected") }
        if let migrating = self.reconnecting?.migrating, !migrating.isEmpty {
            parts.append("reconnecting \(migrating.keys.map(\.description).sorted())")
        }
        if !self.pendingMoves.isEmpty { parts.append("moves pending \(self.pendingMoves.map(\.description).sorted())") }
        for (index, app) in self.apps.enumerated() where !app.stopping && (app.context == nil || !app.acked) {
            parts.append("app \(index) \(app.context == nil ? "not connected" : "not acked") (webhooks \(app.webhooks)/\(app.expectedWebhooks))")
        }
        return "\(self.userId): " + parts.joined(separator: ", ")
    }

    /// The sockets of the current move still not on their new stack.
    var pendingMoves: Set<Socket> { self.reconnecting?.pendingMoves ?? [] }

    // MARK: Sockets

    /// A new glasses socket is upgraded: the server attached it to the session before reading
    /// anything from it, so what is written from now on is processed in order.
    func glassesOpened(_ context: ChannelHandlerContext) {
        self.glasses = context
        self.json.glassesSocketOpened()
        self.audio.glassesSocketOpened()
    }

    /// Sends `connection_init` on the glasses' socket, as the glasses app does on every
    /// connect; the server answers `connection_ack`, which marks the socket bound.
    ///
    /// The server also sends `connection_ack` unasked when the socket opens, but that one can
    /// arrive in the same read as the 101 and, behind NIO's client upgrader, is not always
    /// seen; the answer to the init always is.
    func sendConnectionInit() {
        guard let glasses else { return }
        var buffer = glasses.channel.allocator.buffer(capacity: 32)
        buffer.writeStaticString(#"{"type":"connection_init"}"#)
        self.controlWritten += 1
        glasses.writeAndFlush(NIOAny(FrameWriter().text(buffer)), promise: nil)
    }

    /// The glasses got `connection_ack`.
    func glassesAcked(_ context: ChannelHandlerContext) {
        guard context === self.glasses, self.reconnecting?.migrating[.glasses] != nil else { return }
        self.socketBound(.glasses)
        self.moveMayHaveEnded()
    }

    /// A glasses socket opened again: `connection_init` as on every connect and, after the
    /// user's instance left, `start_app` for every app, since the new instance starts a fresh
    /// session and restarts the apps through its webhook.
    func glassesReopened() {
        self.sendConnectionInit()
        if self.isLeaving { self.startApps() }
    }

    /// `socket` is bound again after a 1012: the move, if any, is done for it.
    func socketBound(_ socket: Socket) {
        guard self.reconnecting?.migrating.removeValue(forKey: socket) != nil else { return }
        self.reconnecting?.tally.reconnects += 1
        if let since = self.reconnecting?.moveSince, self.reconnecting?.pendingMoves.remove(socket) != nil {
            self.reconnecting?.moveTimes.append(MonotonicClock.nanoseconds &- since)
        }
    }

    /// The server sent a close frame on `socket`'s `context`; the handler answers it afterwards
    /// (the same code) and closes the channel.
    func closeFrame(_ socket: Socket, context: ChannelHandlerContext, frame: WebSocketFrame) {
        guard self.isCurrent(socket, context) else { return }
        var data = frame.unmaskedData
        let code = data.readInteger(as: UInt16.self)
        let reason = data.readString(length: data.readableBytes) ?? ""
        guard let reconnecting, !self.finished else {
            self.socketClosed()
            return
        }
        if case .app(let index) = socket, self.apps[index].stopping, code == 1000 {
            self.unbind(socket)
            return
        }
        if reconnecting.followsLeavingInstance, frame.isInstanceLeaving || (self.isLeaving && socket != .glasses) {
            self.instanceLeft(socket, on: context.eventLoop)
            return
        }
        guard code == 1012 else {
            self.error()
            self.reconnecting?.problem("\(self.userId) \(socket): closed with \(code.map(String.init) ?? "no code") '\(reason)'")
            self.unbind(socket)
            return
        }
        self.reconnecting?.tally.closes1012 += 1
        if !reconnecting.pendingMoves.contains(socket) {
            self.error()
            self.reconnecting?.problem("\(self.userId) \(socket): closed with 1012 though no edit was moving it")
        }
        // Reconnect after the SDK's delay.
        self.unbind(socket)
        self.reconnecting?.migrating[socket] = MonotonicClock.nanoseconds
        self.scheduleReopen(socket, on: context.eventLoop, attempt: 0)
    }

    /// `socket`'s TCP connection is gone.
    func socketInactive(_ socket: Socket, context: ChannelHandlerContext) {
        guard self.isCurrent(socket, context) else { return }
        guard self.reconnecting != nil else {
            self.socketClosed()
            return
        }
        // An app of a user whose instance is leaving may go without a close frame: part of the move.
        if self.closesAreErrors && !(self.isLeaving && socket != .glasses) {
            self.error()
            self.reconnecting?.problem("\(self.userId) \(socket): the connection dropped without a close frame")
        }
        self.unbind(socket)
    }

    /// An I/O error on `socket`'s `context`: an error, except on a socket the user has already
    /// left (a reset after its close) when it reconnects.
    func socketFailed(_ socket: Socket, context: ChannelHandlerContext) {
        if self.reconnecting == nil || self.isCurrent(socket, context) { self.error() }
    }

    // MARK: Instance leaving (--reconnect)

    /// The user's instance is leaving (its 1001, or an app closed while the user moves): the
    /// glasses reconnect through the balancer at once and start the apps again; an app waits for
    /// the new instance's webhook and starts afresh there.
    private func instanceLeft(_ socket: Socket, on loop: any EventLoop) {
        let now = MonotonicClock.nanoseconds
        if self.reconnecting?.leftAt == nil { self.reconnecting?.leftAt = now }
        self.unbind(socket)
        switch socket {
        case .glasses:
            self.appStateChanges = 0
            self.reconnecting?.migrating[.glasses] = now
            self.scheduleReopen(.glasses, on: loop, attempt: 0)
        case .app(let index):
            self.apps[index].freshStart = true
        }
    }

    /// Ends a move once the glasses and every app run again (acked and subscribed): records how
    /// long it took from the first 1001, then resumes sending.
    func moveMayHaveEnded() {
        guard let leftAt = self.reconnecting?.leftAt, self.isReady, self.reconnecting?.migrating.isEmpty == true else { return }
        self.reconnecting?.leftAt = nil
        self.stats.counters[self.stack.index].moves += 1
        self.stats.counters[self.stack.index].reconnectNanoseconds.append(MonotonicClock.nanoseconds &- leftAt)
        if case .window = self.pacing { self.pump() }
    }

    /// The reopen of `socket` failed; tries again after the next delay, or gives up.
    func reopenFailed(_ socket: Socket, on loop: any EventLoop, attempt: Int, error: String) {
        let delays = self.reopenDelays
        guard attempt + 1 < delays.count else {
            self.error()
            let after = self.isLeaving ? "its instance left" : "1012"
            self.reconnecting?.problem("\(self.userId) \(socket): could not reconnect after \(after) in \(delays.count) tries: \(error)")
            return
        }
        self.scheduleReopen(socket, on: loop, attempt: attempt + 1)
    }

    private func scheduleReopen(_ socket: Socket, on loop: any EventLoop, attempt: Int) {
        let bound = NIOLoopBound(self, eventLoop: loop)
        loop.scheduleTask(in: self.reopenDelays[attempt]) {
            let driver = bound.value
            guard !driver.finished else { return }
            driver.reconnecting?.reopen(socket, attempt)
        }
    }

    /// The SDK's delays after a 1012; the balancer's after the user's instance left.
    private var reopenDelays: [TimeAmount] { self.isLeaving ? Self.leavingDelays : Self.reconnectDelays }

    private func isCurrent(_ socket: Socket, _ context: ChannelHandlerContext) -> Bool {
        switch socket {
        case .glasses: context === self.glasses
        case .app(let index): context === self.apps[index].context
        }
    }

    /// Forgets `socket`; its handler closes the channel.
    private func unbind(_ socket: Socket) {
        switch socket {
        case .glasses:
            self.glasses = nil
        case .app(let index):
            self.apps[index].context = nil
            self.apps[index].acked = false
            self.apps[index].unboundAt = MonotonicClock.nanoseconds
            self.json.receiverUnbound(index)
            self.audio.receiverUnbound(index)
        }
    }

    // MARK: Apps

    /// An app socket received a text or binary message.
    func appFrameReceived() {
        self.stats.counters[self.stack.index].appFrames += 1
    }

    /// Messages the glasses wrote: events, audio, `connection_init`, `start_app` and `stop_app`.
    var written: Int { Int(self.json.sent + self.audio.sent) + self.controlWritten }

    /// Messages the glasses wrote after the server's close frame had left (see ``EpochLedger``).
    var inFlightAtClose: Int {
        (self.json.tails + self.audio.tails).reduce(0) { $0 + $1.count }
    }

    /// App `index` got `app_stopped`: expected only after the bench's own `stop_app`.
    func appStopped(_ index: Int) {
        guard self.reconnecting != nil, !self.apps[index].stopping else { return }
        self.reconnecting?.tally.appStopped += 1
        self.error()
        self.reconnecting?.problem("\(self.userId) app \(index): app_stopped")
    }

    /// A `session_request` webhook arrived for app `index`: one the bench asked for, or a
    /// restart after the app's grace ran out; anything else is a session that did not survive.
    func sessionRequested(_ index: Int) {
        self.apps[index].webhooks += 1
        guard self.reconnecting != nil, self.apps[index].webhooks > self.apps[index].expectedWebhooks else { return }
        self.apps[index].expectedWebhooks += 1
        let away = self.apps[index].unboundAt.map { MonotonicClock.nanoseconds &- $0 } ?? 0
        // The server's grace starts when it sees the close, a little after the bench does.
        if let grace = self.reconnecting?.appGrace, away + 250_000_000 >= grace {
            self.reconnecting?.tally.graceRestarts += 1
            return
        }
        self.reconnecting?.tally.unexplainedRestarts += 1
        self.error()
        self.reconnecting?.problem(
            "\(self.userId) app \(index): restarted through the webhook \(away / 1_000_000) ms after its socket closed, within its grace"
        )
    }

    /// App `index` stops reading (`true`) or reads again: a slow consumer.
    func setSlow(_ index: Int, _ slow: Bool) {
        guard let context = self.apps[index].context else { return }
        let now = MonotonicClock.nanoseconds
        if slow {
            self.apps[index].slowSince = now
        } else if self.apps[index].slowSince != nil {
            self.apps[index].slowSince = nil
            self.apps[index].slowUntil = now
        }
        try? context.channel.syncOptions?.setOption(.autoRead, value: !slow)
        if !slow { context.read() }
    }

    /// Whether a delivery sent at `sentAt` may follow messages the server dropped because app
    /// `index` was slow: it is slow, or stopped being slow up to 2 s before that send.
    func wasSlow(_ index: Int, sentAt: UInt64) -> Bool {
        if self.apps[index].slowSince != nil { return true }
        guard let until = self.apps[index].slowUntil else { return false }
        return sentAt <= until &+ 2_000_000_000
    }
}
