import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket
import TurnoutCore

/// The loop side of a stack's connection: what ``WebSocketStackConnection`` calls to put frames
/// on the wire. Implemented by each stack's channel handler.
///
/// - Important: Every method is called on the channel's event loop only.
protocol WebSocketOutboundWriter: AnyObject, SendableMetatype {
    /// Writes one complete message as a single final frame.
    ///
    /// - Parameters:
    ///   - data: The payload.
    ///   - opcode: `.text` or `.binary`.
    ///   - flush: Whether to flush soon; `false` when the caller flushes after a batch.
    func writeMessage(_ data: ByteBuffer, opcode: WebSocketOpcode, flush: Bool)
    /// Flushes what ``writeMessage(_:opcode:flush:)`` wrote without flushing.
    func flushMessages()
    /// Starts the close handshake with this close frame (the core's close or `Slow consumer`).
    ///
    /// `promise` completes when the frame is written, or at once when a close is already under way.
    func startClose(_ close: WebSocketClose, promise: EventLoopPromise<Void>?)
    /// Sends a ping with an empty payload.
    func sendPing()
}

/// The ``Connection`` both stacks hand to the core: thread-safe sends with one backpressure policy.
///
/// ## Threading
/// Every method may be called from any thread. On the event loop, with nothing queued, a send goes
/// straight to the writer (flushed at the end of the current read, or at once). Off the loop, the
/// frame goes into a mailbox and one `eventLoop.execute` drains the whole batch with a single flush;
/// no closure or task is made per message. The mailbox is FIFO, so the order of the calls is the
/// order on the wire, whatever thread they came from.
///
/// ## Backpressure
/// `writable` mirrors the channel's writability (its write-buffer water marks):
/// - binary while not writable: dropped, ``SendResult/dropped``, counted `audio_dropped`;
/// - text while not writable, or behind queued text: queued, ``SendResult/queued``, counted
///   `text_queued`, up to `maxQueuedTextBytes`; one more byte closes the connection with 1008
///   `Slow consumer` (the queued text is discarded), counted `slow_consumer_close`;
/// - the queue drains when the channel becomes writable again (the `drain` of the handler set).
///
/// Not generic over the writer: the core calls it through `any Connection`, where a generic
/// class runs unspecialised and looks up its generic metadata on every send.
final class WebSocketStackConnection: Connection {
    private enum Item: Sendable {
        /// A message; `queued` when it waited for writability (its bytes count against the bound).
        case message(ByteBuffer, WebSocketOpcode, queued: Bool)
        case ping
        /// A close; `written` is called once the frame is written, or once it never will be.
        case close(WebSocketClose, written: (@Sendable () -> Void)?)

        /// Text that waits for writability: it must not bypass the queue.
        var waitsForWritability: Bool {
            if case .message(_, _, queued: true) = self { return true }
            return false
        }
    }

    private struct Outbound: Sendable {
        /// This connection was asked to close (by the core, or as a slow consumer) or its socket is
        /// gone: every later send is dropped. Whether the protocol is still open is the handler's
        /// ``WebSocketProtocolStateMachine``'s alone; sends it no longer takes are dropped there.
        var closed = false
        var writable: Bool
        /// `nil` nearly always: made when something first has to wait, so that an idle
        /// connection holds no queue at all (10,000 idle connections held 110 bytes each).
        var pending: CircularBuffer<Item>?
        var queuedTextBytes = 0
        var drainScheduled = false
        var draining = false

        /// Whether nothing waits.
        var nothingPending: Bool { self.pending?.isEmpty ?? true }

        /// Empties the queue, handing back what it held.
        mutating func takePending() -> CircularBuffer<Item>? {
            defer { self.pending = nil }
            return self.pending
        }

        /// Appends an item and says how to get it written.
        mutating func append(_ item: Item, inEventLoop: Bool) -> Step {
            // Queued text waits in `pending` even on the loop, so that it counts against the bound
            // until it is written and a slow-consumer close can still discard it.
            if inEventLoop, self.nothingPending, !self.draining, !item.waitsForWritability {
                return .writeNow(item)
            }
            self.pending.append(item, orCreateWithCapacity: 2)
            if inEventLoop {
                return self.draining ? .nothing : .drainNow
            }
            if self.drainScheduled { return .nothing }
            self.drainScheduled = true
            return .scheduleDrain
        }
    }

    private enum Step {
        case nothing
        case writeNow(Item)
        case drainNow
        case scheduleDrain
    }

    let identity: ConnectionIdentity
    private let eventLoop: any EventLoop
    /// The stack's handler; `nil` once the channel is inactive (breaks the handler ↔ connection cycle).
    ///
    /// Not a `NIOLoopBoundBox`: that is one more object per connection and a check on every send.
    // nonisolated(unsafe): read and written on `eventLoop` only. Every access is in `perform`'s
    // `.writeNow` (reached only with `inEventLoop`), `drain` (run on the loop by `perform` or an
    // `execute`) and `detach` (the handler's `channelInactive`); each asserts it in debug builds.
    private nonisolated(unsafe) var writer: (any WebSocketOutboundWriter)?
    private let outbound: NIOLockedValueBox<Outbound>
    private let maxQueuedTextBytes: Int
    private let counters: BackpressureCounters

    /// Creates the connection of a handler; call on the channel's event loop.
    init(
        identity: ConnectionIdentity,
        channel: any Channel,
        writer: any WebSocketOutboundWriter,
        maxQueuedTextBytes: Int,
        counters: BackpressureCounters
    ) {
        self.identity = identity
        self.eventLoop = channel.eventLoop
        self.writer = writer
        self.outbound = NIOLockedValueBox(Outbound(writable: channel.isWritable))
        self.maxQueuedTextBytes = maxQueuedTextBytes
        self.counters = counters
    }

    // MARK: - Connection

    func sendText(_ text: ByteBuffer) -> SendResult {
        let inEventLoop = self.eventLoop.inEventLoop
        let (result, step, event) = self.outbound.withLockedValue { state -> (SendResult, Step, BackpressureCounters.Kind?) in
            if state.closed { return (.dropped, .nothing, nil) }
            if state.writable, state.queuedTextBytes == 0 {
                return (.accepted, state.append(.message(text, .text, queued: false), inEventLoop: inEventLoop), nil)
            }
            let bytes = text.readableBytes
            guard state.queuedTextBytes + bytes <= self.maxQueuedTextBytes else {
                // Slow consumer: forget the queued text and close ahead of it.
                state.closed = true
                state.pending?.removeAll { if case .message(_, .text, queued: true) = $0 { true } else { false } }
                state.queuedTextBytes = 0
                return (.dropped, state.append(.close(.slowConsumer, written: nil), inEventLoop: inEventLoop), .slowConsumerClose)
            }
            state.queuedTextBytes += bytes
            let step = state.append(.message(text, .text, queued: true), inEventLoop: inEventLoop)
            return (.queued, step, .textQueued)
        }
        if let event { self.counters.record(event) }
        self.perform(step)
        return result
    }

    func sendBinary(_ data: ByteBuffer) -> SendResult {
        let inEventLoop = self.eventLoop.inEventLoop
        let (result, step, audioDropped) = self.outbound.withLockedValue { state -> (SendResult, Step, Bool) in
            if state.closed { return (.dropped, .nothing, false) }
            guard state.writable else { return (.dropped, .nothing, true) }
            return (.accepted, state.append(.message(data, .binary, queued: false), inEventLoop: inEventLoop), false)
        }
        if audioDropped { self.counters.record(.audioDropped) }
        self.perform(step)
        return result
    }

    func close(code: UInt16, reason: String) {
        self.close(WebSocketClose(code: code, reason: reason), written: nil)
    }

    func close(code: UInt16, reason: String, whenWritten written: @escaping @Sendable () -> Void) {
        self.close(WebSocketClose(code: code, reason: reason), written: written)
    }

    private func close(_ close: WebSocketClose, written: (@Sendable () -> Void)?) {
        let inEventLoop = self.eventLoop.inEventLoop
        let step = self.outbound.withLockedValue { state -> Step? in
            if state.closed { return nil }
            state.closed = true
            return state.append(.close(close, written: written), inEventLoop: inEventLoop)
        }
        guard let step else {
            // Already closing or gone: no frame of ours will be written, and nothing may wait forever.
            written?()
            return
        }
        self.perform(step)
    }

    func ping() {
        let inEventLoop = self.eventLoop.inEventLoop
        let step = self.outbound.withLockedValue { state -> Step in
            if state.closed { return .nothing }
            return state.append(.ping, inEventLoop: inEventLoop)
        }
        self.perform(step)
    }

    // MARK: - Called by the handler, on the event loop

    /// The channel's writability changed; drains queued frames when it became writable.
    func writabilityChanged(isWritable: Bool) {
        self.eventLoop.preconditionInEventLoop()
        let drain = self.outbound.withLockedValue { state -> Bool in
            state.writable = isWritable
            return isWritable && !state.nothingPending && !state.draining
        }
        if drain { self.drain() }
    }

    /// The channel is gone: later sends are dropped, nothing queued is written (a close waited on
    /// is answered), and the writer is released so handler and connection can be freed.
    func detach() {
        let dropped = self.outbound.withLockedValue { state in
            state.closed = true
            state.queuedTextBytes = 0
            return state.takePending()
        }
        Self.abandon(dropped)
        self.eventLoop.assertInEventLoop()
        self.writer = nil
    }

    /// Items that will never be written: a close among them still answers whoever waits on it.
    private static func abandon(_ items: CircularBuffer<Item>?) {
        guard let items else { return }
        for case .close(_, let written?) in items { written() }
    }

    // MARK: - Writing

    private func perform(_ step: Step) {
        switch step {
        case .nothing:
            break
        case .writeNow(let item):
            self.eventLoop.assertInEventLoop()
            guard let writer = self.writer else { return }
            self.write(item, to: writer, flush: true)
        case .drainNow:
            self.drain()
        case .scheduleDrain:
            // One closure per batch, capturing only `self` (no context allocation).
            self.eventLoop.execute { self.drain() }
        }
    }

    private func write(_ item: Item, to writer: any WebSocketOutboundWriter, flush: Bool) {
        switch item {
        case .message(let data, let opcode, _):
            writer.writeMessage(data, opcode: opcode, flush: flush)
        case .ping:
            writer.sendPing()
        case .close(let close, nil):
            writer.flushMessages()
            writer.startClose(close, promise: nil)
        case .close(let close, let written?):
            writer.flushMessages()
            // Only a close the core waits on pays for a promise.
            let promise = self.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in written() }
            writer.startClose(close, promise: promise)
        }
    }

    /// Writes pending items in order until the queue is empty or queued text meets a full socket.
    private func drain() {
        self.eventLoop.assertInEventLoop()
        guard let writer = self.writer else {
            let dropped = self.outbound.withLockedValue { state in
                state.drainScheduled = false
                return state.takePending()
            }
            Self.abandon(dropped)
            return
        }
        self.outbound.withLockedValue { state in
            state.drainScheduled = false
            state.draining = true
        }
        var wrote = false
        while true {
            let next = self.outbound.withLockedValue { state -> Item? in
                guard let first = state.pending?.first else {
                    state.draining = false
                    // Drained: give the queue back, so that a connection idle after a burst holds none.
                    state.pending = nil
                    return nil
                }
                if case .message(let data, _, queued: true) = first {
                    guard state.writable else {
                        state.draining = false
                        return nil
                    }
                    state.queuedTextBytes -= data.readableBytes
                }
                return state.pending?.removeFirst()
            }
            guard let next else { break }
            self.write(next, to: writer, flush: false)
            wrote = true
        }
        if wrote { writer.flushMessages() }
    }
}

extension Optional {
    /// Appends to the queue, making it (with room for `capacity`) if there is none yet.
    fileprivate mutating func append<Element>(_ element: Element, orCreateWithCapacity capacity: Int)
    where Wrapped == CircularBuffer<Element> {
        if self == nil { self = CircularBuffer(initialCapacity: capacity) }
        self!.append(element)
    }
}
