import NIOCore
import NIOWebSocket

/// One publisher and its K subscribers on `/fanout-ws`: the publisher's closed-loop window, the
/// order and loss checks per subscriber, and the latencies.
///
/// The publisher sends S-byte text messages that start with `#SEQ:NANOS#` (sequence number and
/// send time on ``MonotonicClock``, as the glasses events carry them), padded with `x`, keeping
/// at most `window` messages outstanding: sent but not yet received by every subscriber.
///
/// Every socket is a member of the server's room, the publisher included, so the publisher
/// receives its own messages too: they are checked for order and loss like a subscriber's, but
/// are not deliveries (msgs/s counts the subscribers' only).
///
/// The publisher and all subscribers live on one client event loop, so the driver is confined
/// to that loop and needs no locks, as ``UserDriver`` is.
final class BroadcastDriver {
    /// The smallest message: `#SEQ:NANOS#` with both numbers at their widest (20 digits each).
    static let minimumSize = 43
    /// What the publisher sends before the measurement until every socket has received it, which
    /// proves that every socket has joined the room.
    static let probe = Array("probe".utf8)

    private enum State {
        case setup
        case running(deadline: UInt64)
        /// Past the deadline: deliveries still count, nothing more is sent.
        case stopped
        /// Counted; closes are expected from now on.
        case finished
    }

    /// Subscribers; socket `subscribers` is the publisher.
    let subscribers: Int
    /// Per socket, the stack it is on: subscribers first, the publisher last.
    private let stacks: [BenchStack]
    private let stats: LoopStats
    private let window: UInt64
    private let size: Int
    private let writer = FrameWriter()
    private var publisher: ChannelHandlerContext?
    /// The subscribers' deliveries.
    private var deliveries: DeliveryLedger
    /// The publisher's own copies.
    private var own = DeliveryLedger(receivers: 1)
    private var heardProbe: [Bool]
    private var sent: UInt64 = 0
    private var state = State.setup

    /// - Parameters:
    ///   - subscriberStacks: The stack of each subscriber, in order.
    ///   - publisherStack: The publisher's stack.
    ///   - window: Messages that may be outstanding.
    ///   - size: Bytes per message, at least ``minimumSize``.
    init(subscriberStacks: [BenchStack], publisherStack: BenchStack, stats: LoopStats, window: Int, size: Int) {
        self.subscribers = subscriberStacks.count
        self.stacks = subscriberStacks + [publisherStack]
        self.stats = stats
        self.window = UInt64(window)
        self.size = size
        self.deliveries = DeliveryLedger(receivers: subscriberStacks.count)
        self.heardProbe = Array(repeating: false, count: subscriberStacks.count + 1)
    }

    /// Every socket is connected and has heard a probe: all are in the room.
    var isReady: Bool { self.publisher != nil && self.heardProbe.allSatisfy { $0 } }

    /// Every message sent has reached every subscriber and the publisher.
    var isDrained: Bool { self.deliveries.hasAll(self.sent) && self.own.hasAll(self.sent) }

    // MARK: Setup

    /// Socket `index` is connected; the publisher's context is kept for sending.
    func connected(_ index: Int, context: ChannelHandlerContext) {
        if index == self.subscribers { self.publisher = context }
    }

    /// Sends one probe from the publisher (the runner calls this until ``isReady``).
    func sendProbe() {
        guard case .setup = self.state, let publisher else { return }
        var buffer = publisher.channel.allocator.buffer(capacity: Self.probe.count)
        buffer.writeBytes(Self.probe)
        publisher.writeAndFlush(NIOAny(self.writer.text(buffer)), promise: nil)
    }

    // MARK: Load

    /// Starts publishing now; stops at `deadline` (monotonic nanoseconds).
    func begin(deadline: UInt64) {
        self.state = .running(deadline: deadline)
        self.pump()
    }

    /// Keeps `window` messages outstanding until the deadline, in one flush.
    private func pump() {
        guard case .running(let deadline) = self.state, let publisher else { return }
        let now = MonotonicClock.nanoseconds
        guard now < deadline else {
            self.state = .stopped
            return
        }
        let slowest = self.deliveries.slowest
        var wrote = false
        while self.sent &- slowest < self.window {
            self.send(publisher, now: now)
            wrote = true
        }
        if wrote { publisher.flush() }
    }

    private func send(_ publisher: ChannelHandlerContext, now: UInt64) {
        var buffer = publisher.channel.allocator.buffer(capacity: self.size)
        buffer.writeStaticString("#")
        buffer.writeDecimal(self.sent)
        buffer.writeStaticString(":")
        buffer.writeDecimal(now)
        buffer.writeStaticString("#")
        buffer.writeRepeatingByte(UInt8(ascii: "x"), count: max(0, self.size - buffer.readableBytes))
        self.sent += 1
        self.stats.counters[self.stacks[self.subscribers].index].sent += 1
        publisher.write(NIOAny(self.writer.text(buffer)), promise: nil)
    }

    // MARK: Deliveries

    /// Socket `index` received a text message.
    func received(_ index: Int, text: ByteBuffer) {
        let stack = self.stacks[index].index
        guard let marker = text.readBenchMarker() else {
            if text.readableBytesView.elementsEqual(Self.probe) {
                self.heardProbe[index] = true
            } else {
                self.stats.counters[stack].errors += 1
            }
            return
        }
        if index == self.subscribers {
            if !self.own.record(0, sequence: marker.sequence) { self.stats.counters[stack].reordered += 1 }
            return
        }
        self.stats.counters[stack].received += 1
        self.stats.counters[stack].record(nanoseconds: MonotonicClock.nanoseconds &- marker.sentAt)
        if !self.deliveries.record(index, sequence: marker.sequence) { self.stats.counters[stack].reordered += 1 }
        self.pump()
    }

    /// Something the server should never do (a binary message, a malformed one, a stream error).
    func error(_ index: Int) {
        self.stats.counters[self.stacks[index].index].errors += 1
    }

    /// Socket `index` closed: an error until ``finish()``.
    func socketClosed(_ index: Int) {
        if case .finished = self.state { return }
        self.error(index)
    }

    /// Stops sending and books what never arrived as lost, per socket.
    func finish() {
        self.state = .finished
        for index in 0..<self.subscribers {
            self.stats.counters[self.stacks[index].index].lost += self.deliveries.missing(of: self.sent, at: index)
        }
        self.stats.counters[self.stacks[self.subscribers].index].lost += self.own.missing(of: self.sent)
        for stack in self.stacks { self.stats.counters[stack.index].connections += 1 }
        self.publisher = nil
    }
}

@available(*, unavailable)
extension BroadcastDriver: Sendable {}
