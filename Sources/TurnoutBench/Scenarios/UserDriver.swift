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
        /// Where the webhook told the app to connect: reconnects go there too.
        var url: HostPort?
        /// When the app's socket went away and no other is bound yet (monotonic nanoseconds).
        var unboundAt: UInt64?
        /// The bench sent `stop_app`: `app_stopped` and a 1000 close are expected.
        var stopping = false
        /// `session_request` webhooks for this app, and how many the bench accounts for (its
        /// `start_app`s and the restarts after a grace that ran out).
        var webhooks = 0
        var expectedWebhooks = 0
        /// When the app stopped reading (slow consumer), while it does not read.
        var slowSince: UInt64?
        /// When the app last started reading again after being slow.
        var slowUntil: UInt64?
        /// The bench sent `start_app` after a `stop_app`: the next socket starts afresh, with
        /// no subscriptions until it sends them.
        var freshStart = false
    }

    let userId: String
    let stack: BenchStack
    let packages: [String]
    let apiKeys: [String]
    /// The glasses' token, kept for reconnects.
    var token = ""
    let stats: LoopStats
    let pacing: Pacing
    private let glassesWriter = FrameWriter()
    var glasses: ChannelHandlerContext? {
        didSet { if let glasses { self.glassesContextForTeardown = glasses } }
    }
    /// The glasses context, kept after ``finish()`` for ``stopApps()``.
    var glassesContextForTeardown: ChannelHandlerContext?
    var apps: [App]
    /// `app_state_change` messages the glasses received: two per app (init, subscription).
    var appStateChanges = 0
    /// JSON events at each app, in app order.
    var json: EpochLedger
    /// Audio frames at each app, in app order.
    var audio: EpochLedger
    /// Ramp, churn and `--reconnect` runs: sockets closed with 1012, or with the 1001 of an
    /// instance leaving, reconnect; `nil` otherwise.
    var reconnecting: Reconnecting?
    private var start: UInt64 = 0
    private var deadline: UInt64 = 0
    var running = false
    /// Counted: closes from now on are the bench's.
    private(set) var finished = false
    /// While the glasses have no socket (ramp): when that began, and the total so far, so the
    /// rate resumes rather than catching up in a burst.
    private var pausedSince: UInt64?
    private var pausedNanos: UInt64 = 0
    /// `connection_init`, `start_app` and `stop_app` the glasses wrote.
    var controlWritten = 0

    init(userId: String, stack: BenchStack, packages: [String], apiKeys: [String], stats: LoopStats, pacing: Pacing) {
        self.userId = userId
        self.stack = stack
        self.packages = packages
        self.apiKeys = apiKeys
        self.stats = stats
        self.pacing = pacing
        self.apps = Array(repeating: App(), count: packages.count)
        self.json = EpochLedger(receivers: packages.count)
        self.audio = EpochLedger(receivers: packages.count)
    }

    /// A socket of this user closed before the load began: under injected faults (a guard
    /// drill) the user is written off rather than waited for.
    private(set) var lostSocketInSetup = false

    /// Every app acked and subscribed, and the glasses heard about each.
    var isReady: Bool {
        self.glasses != nil && self.appStateChanges >= 2 * self.apps.count && self.apps.allSatisfy(\.acked)
    }

    /// Every event and frame sent has reached every app with a bound socket.
    var isDrained: Bool {
        self.json.isDrained && self.audio.isDrained
    }

    // MARK: Setup

    /// Asks the server to start every app: one `start_app` per package.
    func startApps() {
        guard let glasses else { return }
        for index in self.apps.indices { self.apps[index].expectedWebhooks += 1 }
        self.controlWritten += self.packages.count
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
        let resumes = self.apps[index].unboundAt != nil && !self.apps[index].freshStart
        self.apps[index].freshStart = false
        self.json.receiverBound(index, resumes: resumes)
        self.audio.receiverBound(index, resumes: resumes)
        self.apps[index].unboundAt = nil
        if self.reconnecting != nil { self.socketBound(.app(index)) }
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
        self.json.requireEverythingFromNow()
        self.audio.requireEverythingFromNow()
        if case .window = self.pacing { self.pump() }
    }

    /// Called by the loop's ticker: sends whatever the rate says is due, in one flush.
    func tick(now: UInt64) {
        guard self.running, case .rate(let json, let audio) = self.pacing else { return }
        guard let glasses, !self.isLeaving else {
            // Between glasses sockets, or until a user whose instance left runs again elsewhere:
            // nothing is due, and nothing is caught up afterwards.
            if self.pausedSince == nil { self.pausedSince = now }
            return
        }
        if let pausedSince {
            self.pausedNanos &+= now &- pausedSince
            self.pausedSince = nil
        }
        guard now < self.deadline else {
            self.running = false
            return
        }
        let elapsed = now &- self.start &- self.pausedNanos
        let dueJSON = elapsed * UInt64(json) / 1_000_000_000 + 1
        let dueAudio = audio > 0 ? elapsed * UInt64(audio) / 1_000_000_000 + 1 : 0
        var budget = 1_000
        while self.json.sent < dueJSON && budget > 0 {
            self.sendJSON(glasses, now: now)
            budget -= 1
        }
        while self.audio.sent < dueAudio && budget > 0 {
            self.sendAudio(glasses, now: now)
            budget -= 1
        }
        glasses.flush()
    }

    /// Fanout: keeps `window` events outstanding until the deadline.
    func pump() {
        guard self.running, !self.isLeaving, case .window(let window) = self.pacing, let glasses else { return }
        let now = MonotonicClock.nanoseconds
        guard now < self.deadline else {
            self.running = false
            return
        }
        let slowest = self.json.slowest
        var sent = false
        while self.json.sent &- slowest < UInt64(window) {
            self.sendJSON(glasses, now: now)
            sent = true
        }
        if sent { glasses.flush() }
    }

    private func sendJSON(_ glasses: ChannelHandlerContext, now: UInt64) {
        let sequence = self.json.nextSequence()
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
        self.stats.counters[self.stack.index].sent += 1
        self.stats.counters[self.stack.index].jsonSent += 1
        glasses.write(NIOAny(self.glassesWriter.text(buffer)), promise: nil)
    }

    private func sendAudio(_ glasses: ChannelHandlerContext, now: UInt64) {
        var buffer = glasses.channel.allocator.buffer(capacity: Self.audioFrameBytes)
        buffer.writeInteger(self.audio.nextSequence(), endianness: .little)
        buffer.writeInteger(now, endianness: .little)
        buffer.writeRepeatingByte(0, count: Self.audioFrameBytes - 16)
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
        if !self.json.record(index, sequence: sequence, slow: self.wasSlow(index, sentAt: sentAt)) {
            self.stats.counters[self.stack.index].reordered += 1
        }
        if case .window = self.pacing { self.pump() }
    }

    /// App `index` received audio frame `sequence` of `bytes` bytes, sent at `sentAt`.
    func appReceivedAudio(_ index: Int, sequence: UInt64, sentAt: UInt64, bytes: Int) {
        let now = MonotonicClock.nanoseconds
        self.stats.counters[self.stack.index].received += 1
        self.stats.counters[self.stack.index].audioReceived += 1
        self.stats.counters[self.stack.index].audioBytesReceived += bytes
        self.stats.counters[self.stack.index].record(nanoseconds: now &- sentAt)
        if !self.audio.record(index, sequence: sequence, slow: self.wasSlow(index, sentAt: sentAt)) {
            self.stats.counters[self.stack.index].reordered += 1
        }
    }

    /// Something the server should never do to a well-behaved client (an unexpected close, a
    /// malformed delivery, an init error).
    func error() {
        self.stats.counters[self.stack.index].errors += 1
    }

    /// A socket closed; an error only while the load runs.
    func socketClosed() {
        if self.start == 0 { self.lostSocketInSetup = true }
        if self.closesAreErrors { self.error() }
    }

    /// Whether a close now is the server's doing rather than the end of the run.
    var closesAreErrors: Bool { !self.finished && (self.running || self.start == 0 && self.glasses != nil) }

    /// Stops sending and books what never arrived as lost; with `--reconnect`, what a leaving
    /// instance never delivered as lost in a move, and a user not back yet as still moving.
    func finish() {
        self.running = false
        let json = self.json.verdict(final: true)
        let audio = self.audio.verdict(final: true)
        self.stats.counters[self.stack.index].lost += json.lost + json.droppedWhileSlow + audio.lost
        if self.reconnecting?.followsLeavingInstance == true {
            self.stats.counters[self.stack.index].lostInMove += json.skipped + json.inFlightAtClose + audio.skipped + audio.inFlightAtClose
            if self.isLeaving { self.stats.counters[self.stack.index].stillMoving += 1 }
        }
        self.stats.counters[self.stack.index].connections += 1 + self.apps.count
        self.reconnecting?.record(json: json, audio: audio)
        self.finished = true
        self.glasses = nil
    }
}

@available(*, unavailable)
extension UserDriver: Sendable {}

extension UserDriver {
    /// Sends `stop_app` for every app, so the server stops them instead of restarting them
    /// when their sockets close.
    func stopApps() {
        guard let glasses = self.glassesContextForTeardown else { return }
        for index in self.apps.indices { self.apps[index].stopping = true }
        self.controlWritten += self.packages.count
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
