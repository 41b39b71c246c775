import NIOCore
import NIOWebSocket

/// One `/echo-ws` connection doing closed-loop round trips: send, wait for the echo, record the
/// round trip, send again, until the deadline.
///
/// With `hold` (the idle scenario) the connection then stays open without traffic, and a close
/// before ``release()`` counts as an error; `Start(deadline: 0)` makes exactly one round trip.
///
/// Lives on its channel's loop; reports into that loop's ``LoopStats``. Nothing is allocated per
/// message beyond what the pipeline needs for the frame.
final class EchoClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Fired into the pipeline to start the loop.
    struct Start: Sendable {
        /// When to stop sending (monotonic nanoseconds).
        var deadline: UInt64
    }

    private enum State {
        case idle
        case running(deadline: UInt64)
        /// Past the deadline and held open: a close is an error.
        case holding
        case done
    }

    private let stats: LoopStats
    private let stack: Int
    /// The handler's stack as an index into ``LoopStats/counters``.
    var stackIndex: Int { self.stack }
    private let payload: ByteBuffer
    private let hold: Bool
    private let writer = FrameWriter()
    private var context: ChannelHandlerContext?
    private var state = State.idle
    private var sentAt: UInt64 = 0
    private var inFlight = false

    /// - Parameter hold: Stay open after the last round trip, and count a close as an error
    ///   until ``release()``.
    init(stats: LoopStats, stack: BenchStack, payload: ByteBuffer, hold: Bool = false) {
        self.stats = stats
        self.stack = stack.index
        self.payload = payload
        self.hold = hold
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.stats.echoHandlers.append(self)
        self.stats.counters[self.stack].connections += 1
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let start = event as? Start else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.state = .running(deadline: start.deadline)
        self.send(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text, .binary:
            guard self.inFlight else {
                self.stats.counters[self.stack].errors += 1
                return
            }
            self.inFlight = false
            let now = MonotonicClock.nanoseconds
            self.stats.counters[self.stack].received += 1
            self.stats.counters[self.stack].record(nanoseconds: now &- self.sentAt)
            guard case .running(let deadline) = self.state else { return }
            if now < deadline {
                self.send(context: context)
            } else {
                self.state = self.hold ? .holding : .done
                self.stats.finishedEcho += 1
            }
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(self.writer.pong(frame)), promise: nil)
        case .connectionClose:
            self.failIfRunning()
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failIfRunning()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.failIfRunning()
        context.close(promise: nil)
    }

    private func failIfRunning() {
        switch self.state {
        case .running:
            self.stats.finishedEcho += 1
        case .holding:
            break  // finished already
        case .idle, .done:
            return
        }
        self.state = .done
        self.stats.counters[self.stack].errors += 1
    }

    /// Ends a hold: a close from now on is expected.
    func release() {
        if case .holding = self.state { self.state = .done }
    }

    private func send(context: ChannelHandlerContext) {
        self.sentAt = MonotonicClock.nanoseconds
        self.inFlight = true
        self.stats.counters[self.stack].sent += 1
        context.writeAndFlush(Self.wrapOutboundOut(self.writer.text(self.payload)), promise: nil)
    }

    /// Round trips sent whose echo never came: counted as lost when the run ends.
    var outstanding: Int { self.inFlight ? 1 : 0 }
}

@available(*, unavailable)
extension EchoClientHandler: Sendable {}
