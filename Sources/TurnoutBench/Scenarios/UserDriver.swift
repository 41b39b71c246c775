import NIOCore
import NIOWebSocket

/// One simulated user: the glasses socket, its apps, the pacing of events and audio, and the
/// per-app sequence checks.
///
/// The glasses and all apps of a user live on the same client event loop, so the driver is
/// confined to that loop and needs no locks: an app's delivery and the glasses' next send touch
/// the same plain fields.
final class UserDriver {
    /// How the glasses pace their sends.
    enum Pacing {
        /// `json` events and `audio` frames per second (the glasses scenario).
        case rate(json: Int, audio: Int)
        /// Closed loop: at most `window` events not yet delivered to every app (fanout).
        case window(Int)
    }

    /// One app of this user, as the client sees it.
    struct App {
        var context: ChannelHandlerContext?
        var writer = FrameWriter()
        var acked = false
    }

    let userId: String
    let stack: BenchStack
    let packages: [String]
    let apiKeys: [String]
    private let stats: LoopStats
    private let pacing: Pacing
    private let glassesWriter = FrameWriter()
    var glasses: ChannelHandlerContext? {
        didSet { if let glasses { self.glassesContextForTeardown = glasses } }
    }
    /// The glasses context, kept after ``finish()`` for ``stopApps()``.
    var glassesContextForTeardown: ChannelHandlerContext?
    var apps: [App]
    /// `app_state_change` messages the glasses received: two per app (init, subscription).
    var appStateChanges = 0
    private var jsonSent: UInt64 = 0
    private var audioSent: UInt64 = 0
    /// JSON events at each app, in app order.
    private var json: DeliveryLedger
    /// Audio frames at each app, in app order.
    private var audio: DeliveryLedger
    private var start: UInt64 = 0
    private var deadline: UInt64 = 0
    private var running = false
    /// With `--reconnect`: reconnects the glasses through the bench's URL and starts the apps
    /// again (set by the runner). `nil`: a close is an error, as without it.
    var reconnect: (() -> Void)?
    /// Between a 1001 from the user's instance and every app running again elsewhere: the
    /// glasses send nothing meanwhile.
    private(set) var moving = false
    private var moveStartedAt: UInt64 = 0

    init(userId: String, stack: BenchStack, packages: [String], apiKeys: [String], stats: LoopStats, pacing: Pacing) {
        self.userId = userId
        self.stack = stack
        self.packages = packages
        self.apiKeys = apiKeys
        self.stats = stats
        self.pacing = pacing
        self.apps = Array(repeating: App(), count: packages.count)
        self.json = DeliveryLedger(receivers: packages.count)
        self.audio = DeliveryLedger(receivers: packages.count)
    }

    /// A socket of this user closed before the load began: under injected faults (a guard
    /// drill) the user is written off rather than waited for.
    private(set) var lostSocketInSetup = false

    /// Every app acked and subscribed, and the glasses heard about each.
    var isReady: Bool {
        self.glasses != nil && self.appStateChanges >= 2 * self.apps.count && self.apps.allSatisfy(\.acked)
    }

    /// Every event and frame sent has reached every app.
    var isDrained: Bool {
        self.json.hasAll(self.jsonSent) && self.audio.hasAll(self.audioSent)
    }

    // MARK: Setup

    /// Asks the server to start every app: one `start_app` per package.
    func startApps() {
        guard let glasses else { return }
        for package in self.packages {
            var buffer = glasses.channel.allocator.buffer(capacity: 64)
            buffer.writeString(#"{"type":"start_app","packageName":""#)
            buffer.writeString(package)
            buffer.writeString(#""}"#)
            glasses.write(NIOAny(self.glassesWriter.text(buffer)), promise: nil)
        }
        glasses.flush()
    }

    /// App `index` connected: send `tpa_connection_init` (legacy mode, as the SDK does).
    func appConnected(_ index: Int, context: ChannelHandlerContext) {
        self.apps[index].context = context
        var buffer = context.channel.allocator.buffer(capacity: 160)
        buffer.writeString(#"{"type":"tpa_connection_init","sessionId":""#)
        buffer.writeString("\(self.userId)-\(self.packages[index])")
        buffer.writeString(#"","packageName":""#)
        buffer.writeString(self.packages[index])
        buffer.writeString(#"","apiKey":""#)
        buffer.writeString(self.apiKeys[index])
        buffer.writeString(#""}"#)
        context.writeAndFlush(NIOAny(self.apps[index].writer.text(buffer)), promise: nil)
    }

    /// App `index` got its ack: subscribe it to the three streams.
    func appAcked(_ index: Int) {
        guard let context = self.apps[index].context, !self.apps[index].acked else { return }
        self.apps[index].acked = true
        var buffer = context.channel.allocator.buffer(capacity: 160)
        buffer.writeString(#"{"type":"subscription_update","packageName":""#)
        buffer.writeString(self.packages[index])
        buffer.writeString(#"","subscriptions":["button_press","transcription:en-US","audio_chunk"]}"#)
        context.writeAndFlush(NIOAny(self.apps[index].writer.text(buffer)), promise: nil)
    }

    // MARK: Load

    /// Starts sending now; stops at `deadline` (monotonic nanoseconds).
    func begin(deadline: UInt64) {
        self.start = MonotonicClock.nanoseconds
        self.deadline = deadline
        self.running = true
        if case .window = self.pacing { self.pump() }
    }

    /// Called by the loop's ticker: sends whatever the rate says is due, in one flush.
    func tick(now: UInt64) {
        guard self.running, !self.moving, case .rate(let json, let audio) = self.pacing, let glasses else { return }
        guard now < self.deadline else {
            self.running = false
            return
        }
        let elapsed = now &- self.start
        let dueJSON = elapsed * UInt64(json) / 1_000_000_000 + 1
        let dueAudio = audio > 0 ? elapsed * UInt64(audio) / 1_000_000_000 + 1 : 0
        var budget = 1_000
        while self.jsonSent < dueJSON && budget > 0 {
            self.sendJSON(glasses, now: now)
            budget -= 1
        }
        while self.audioSent < dueAudio && budget > 0 {
            self.sendAudio(glasses, now: now)
            budget -= 1
        }
        glasses.flush()
    }

    /// Fanout: keeps `window` events outstanding until the deadline.
    private func pump() {
        guard self.running, !self.moving, case .window(let window) = self.pacing, let glasses else { return }
        let now = MonotonicClock.nanoseconds
        guard now < self.deadline else {
            self.running = false
            return
        }
        let slowest = self.json.slowest
        var sent = false
        while self.jsonSent &- slowest < UInt64(window) {
            self.sendJSON(glasses, now: now)
            sent = true
        }
        if sent { glasses.flush() }
    }

    private func sendJSON(_ glasses: ChannelHandlerContext, now: UInt64) {
        let sequence = self.jsonSent
        var buffer = glasses.channel.allocator.buffer(capacity: 224)
        if sequence % 4 == 3 {
            buffer.writeStaticString(##"{"type":"local_transcription","text":"#"##)
            buffer.writeDecimal(sequence)
            buffer.writeStaticString(":")
            buffer.writeDecimal(now)
            buffer.writeStaticString(
                ##"#","isFinal":true,"startTime":0,"endTime":500,"speakerId":"0","transcribeLanguage":"en-US","provider":"bench"}"##
            )
        } else {
            buffer.writeStaticString(##"{"type":"button_press","buttonId":"main","pressType":"short","bench":"#"##)
            buffer.writeDecimal(sequence)
            buffer.writeStaticString(":")
            buffer.writeDecimal(now)
            buffer.writeStaticString(##"#"}"##)
        }
        self.jsonSent += 1
        self.stats.counters[self.stack.index].sent += 1
        self.stats.counters[self.stack.index].jsonSent += 1
        glasses.write(NIOAny(self.glassesWriter.text(buffer)), promise: nil)
    }

    private func sendAudio(_ glasses: ChannelHandlerContext, now: UInt64) {
        var buffer = glasses.channel.allocator.buffer(capacity: Self.audioFrameBytes)
        buffer.writeInteger(self.audioSent, endianness: .little)
        buffer.writeInteger(now, endianness: .little)
        buffer.writeRepeatingByte(0, count: Self.audioFrameBytes - 16)
        self.audioSent += 1
        self.stats.counters[self.stack.index].sent += 1
        self.stats.counters[self.stack.index].audioSent += 1
        glasses.write(NIOAny(self.glassesWriter.binary(buffer)), promise: nil)
    }

    /// 20 ms of 16 kHz, 16-bit mono PCM.
    static let audioFrameBytes = 640

    // MARK: Deliveries

    /// App `index` received a `data_stream` carrying event `sequence`, sent at `sentAt`.
    func appReceivedJSON(_ index: Int, sequence: UInt64, sentAt: UInt64) {
        let now = MonotonicClock.nanoseconds
        self.stats.counters[self.stack.index].received += 1
        self.stats.counters[self.stack.index].record(nanoseconds: now &- sentAt)
        if !self.json.record(index, sequence: sequence) { self.stats.counters[self.stack.index].reordered += 1 }
        if case .window = self.pacing { self.pump() }
    }

    /// App `index` received audio frame `sequence` of `bytes` bytes, sent at `sentAt`.
    func appReceivedAudio(_ index: Int, sequence: UInt64, sentAt: UInt64, bytes: Int) {
        let now = MonotonicClock.nanoseconds
        self.stats.counters[self.stack.index].received += 1
        self.stats.counters[self.stack.index].audioReceived += 1
        self.stats.counters[self.stack.index].audioBytesReceived += bytes
        self.stats.counters[self.stack.index].record(nanoseconds: now &- sentAt)
        if !self.audio.record(index, sequence: sequence) { self.stats.counters[self.stack.index].reordered += 1 }
    }

    /// Something the server should never do to a well-behaved client (an unexpected close, a
    /// malformed delivery, an init error).
    func error() {
        self.stats.counters[self.stack.index].errors += 1
    }

    /// A socket closed; an error only while the load runs.
    func socketClosed() {
        if self.start == 0 { self.lostSocketInSetup = true }
        if self.running || self.start == 0 && self.glasses != nil { self.error() }
    }

    /// Stops sending and books what never arrived as lost (lost in a move, for a user still moving).
    func finish() {
        self.running = false
        let missing = self.json.missing(of: self.jsonSent) + self.audio.missing(of: self.audioSent)
        if self.moving {
            self.stats.counters[self.stack.index].lostInMove += missing
            self.stats.counters[self.stack.index].stillMoving += 1
        } else {
            self.stats.counters[self.stack.index].lost += missing
        }
        self.stats.counters[self.stack.index].connections += 1 + self.apps.count
        self.start = 1  // closes from now on are ours
        self.glasses = nil
    }
}

@available(*, unavailable)
extension UserDriver: Sendable {}

extension UserDriver {
    // MARK: Moves (--reconnect)

    /// The glasses socket `context` closed, by a close frame or by the TCP connection going.
    /// With `--reconnect`, the 1001 `Server shutting down` of a leaving instance starts a move.
    func glassesClosed(_ context: ChannelHandlerContext, instanceLeaving: Bool) {
        guard context === self.glasses else { return }  // a socket this user has already left
        guard instanceLeaving, let reconnect else {
            self.socketClosed()
            return
        }
        self.beginMove()
        self.glasses = nil
        self.appStateChanges = 0
        reconnect()
    }

    /// App `index`'s socket `context` closed; with `--reconnect`, the instance leaving or a close
    /// during a move is part of the move: the app comes back through a webhook from the new instance.
    func appClosed(_ index: Int, context: ChannelHandlerContext, instanceLeaving: Bool) {
        guard context === self.apps[index].context else { return }
        guard self.reconnect != nil, instanceLeaving || self.moving else {
            self.socketClosed()
            return
        }
        self.beginMove()
        self.apps[index] = App()
    }

    /// An I/O error on the glasses socket `context`: an error, except with `--reconnect` on a
    /// socket the user has already left (a reset after the 1001 of a move).
    func glassesFailed(_ context: ChannelHandlerContext) {
        if self.reconnect == nil || context === self.glasses { self.error() }
    }

    /// An I/O error on app `index`'s socket `context`, counted as ``glassesFailed(_:)`` is.
    func appFailed(_ index: Int, context: ChannelHandlerContext) {
        if self.reconnect == nil || context === self.apps[index].context { self.error() }
    }

    /// Ends a move once the glasses and every app run again: records how long it took and
    /// books what the old instance never delivered as lost in the move, then resumes sending.
    func moveMayHaveEnded() {
        guard self.moving, self.isReady else { return }
        self.moving = false
        let index = self.stack.index
        self.stats.counters[index].moves += 1
        self.stats.counters[index].reconnectNanoseconds.append(MonotonicClock.nanoseconds &- self.moveStartedAt)
        self.stats.counters[index].lostInMove += self.json.missing(of: self.jsonSent) + self.audio.missing(of: self.audioSent)
        self.json.rebase(sent: self.jsonSent)
        self.audio.rebase(sent: self.audioSent)
        if case .window = self.pacing { self.pump() }
    }

    private func beginMove() {
        guard !self.moving else { return }
        self.moving = true
        self.moveStartedAt = MonotonicClock.nanoseconds
    }
}

extension UserDriver {
    /// Sends `stop_app` for every app, so the server stops them instead of restarting them
    /// when their sockets close.
    func stopApps() {
        guard let glasses = self.glassesContextForTeardown else { return }
        for package in self.packages {
            var buffer = glasses.channel.allocator.buffer(capacity: 64)
            buffer.writeString(#"{"type":"stop_app","packageName":""#)
            buffer.writeString(package)
            buffer.writeString(#""}"#)
            glasses.write(NIOAny(FrameWriter().text(buffer)), promise: nil)
        }
        glasses.flush()
    }
}
