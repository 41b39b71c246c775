import NIOCore
import NIOWebSocket
import TurnoutCore

/// The native stack's channel handler: frames the socket's bytes, feeds the frames to the shared
/// ``WebSocketProtocolStateMachine``, performs its actions and delivers messages to the sink.
///
/// It sits right after the HTTP upgrade with nothing between it and the socket: inbound it
/// splits bytes into frames with ``NativeFrameParser`` and turns them into the handler set's
/// `message` and `close` calls; outbound it corks the frames ``WebSocketStackConnection`` writes
/// (``OutboundCork``) and sends them down the pipeline at the flush (the `drain` runs on
/// writability changes). Framing is done here rather than by NIO's decoder and encoder handlers
/// because, on a 100-byte echo, those two with the frame object each allocates and the casts
/// between them cost about 6 % of the server's CPU (perf, docs/benchmarks.md).
///
/// Flushes are batched, because each one is a `write(2)` and, corked, one pipeline write: writes
/// made while this connection's read is handled are flushed once, at `channelReadComplete`;
/// writes made from elsewhere on the loop (another connection's read fanning out to this one, a
/// room's delivery) are flushed once by a task that runs after the loop's current batch of
/// events. A burst of deliveries to one socket then costs one system call instead of one each
/// (16× fewer on a 1 → 16 broadcast).
///
/// Lives on the channel's event loop; its state is plain `var`s.
final class NativeWebSocketHandler: StackChannelHandler, ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var machine: WebSocketProtocolStateMachine
    private var parser: NativeFrameParser
    /// Set once the parser failed: the bytes after a bad header mean nothing.
    private var parserFailed = false
    private let closeHandshakeTimeout: TimeAmount
    /// Set by ``NativeStack`` right after creating the handler; `nil` once the channel is inactive.
    var data: StackConnectionData?
    private var context: ChannelHandlerContext?
    private var isReading = false
    private var needsFlush = false
    /// A flush task is queued on the loop (see ``flushSoon(context:)``).
    private var flushScheduled = false
    private var closeTimer: Scheduled<Void>?
    /// Frames written since the last flush; see ``OutboundCork``.
    private var cork: OutboundCork

    static var stack: TransportStack { .native }

    /// Creates the handler of one connection.
    init(configuration: WebSocketStackConfiguration) {
        self.machine = WebSocketProtocolStateMachine(maxMessageSize: configuration.maxMessageSize)
        self.parser = NativeFrameParser(maxFrameSize: configuration.maxMessageSize)
        self.closeHandshakeTimeout = TimeAmount(configuration.closeHandshakeTimeout)
        // Handlers are made on their channel's event loop, so this is that loop's pool.
        self.cork = OutboundCork(pool: .current)
    }

    // MARK: - Inbound

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.closeTimer?.cancel()
        self.cork.discard()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !self.parserFailed else { return }
        self.isReading = true
        self.parser.append(Self.unwrapInboundIn(data))
        while true {
            let frame: InboundFrame?
            do {
                frame = try self.parser.nextFrame()
            } catch {
                self.parserFailed = true
                self.decoderFailed(error, context: context)
                return
            }
            guard let frame else { return }
            self.frameReceived(frame, context: context)
        }
    }

    private func frameReceived(_ frame: InboundFrame, context: ChannelHandlerContext) {
        switch self.machine.frameReceived(frame) {
        case .none:
            break
        case .deliverText(let text):
            self.data?.sink?.textReceived(text)
        case .deliverBinary(let binary):
            self.data?.sink?.binaryReceived(binary)
        case .sendPong(let payload):
            self.writeFrame(.pong, payload, context: context)
        case .reportPong:
            self.data?.sink?.pongReceived()
        case .echoCloseThenCloseChannel(let close):
            let written = context.eventLoop.makePromise(of: Void.self)
            self.appendClose(close, context: context)
            self.flushNow(context: context, promise: written)
            written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        case .sendClose(let close):
            self.sendClose(close, context: context)
        case .closeChannel:
            self.closeTimer?.cancel()
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.isReading = false
        self.flushIfNeeded(context: context)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // An I/O error: the socket is unusable. (Framing errors come from the parser, above.)
        context.close(promise: nil)
    }

    /// A frame header no framing layer may accept: close as the compat stack does when its
    /// decoder raises the same error, and stop reading.
    private func decoderFailed(_ error: NIOWebSocketError, context: ChannelHandlerContext) {
        switch self.machine.decoderFailed(error) {
        case .none:
            break
        case .sendCloseAndShutdownOutput(let close):
            self.sendClose(close, context: context)
            context.close(mode: .output, promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closeTimer?.cancel()
        self.closeTimer = nil
        self.cork.discard()
        if case .reportClose(let close) = self.machine.socketClosed(), let data = self.data {
            data.connection.detach()
            self.data = nil
            data.sink?.connectionClosed(close)
        }
        context.fireChannelInactive()
    }

    // MARK: - WebSocketOutboundWriter

    func writeMessage(_ data: ByteBuffer, opcode: WebSocketOpcode, flush: Bool) {
        guard let context, self.machine.isOpen else { return }
        self.write(opcode, data, context: context)
        if !context.channel.isWritable {
            // Unflushed bytes count against the water marks too: flush now, so that batching never
            // makes a socket look full (dropping audio, queueing text) when the kernel has room.
            self.needsFlush = false
            self.flushNow(context: context)
        } else if flush {
            self.flushSoon(context: context)
        }
    }

    func flushMessages() {
        guard let context else { return }
        if self.isReading {
            self.needsFlush = true
        } else {
            self.needsFlush = false
            self.flushNow(context: context)
        }
    }

    func startClose(_ close: WebSocketClose, promise: EventLoopPromise<Void>?) {
        guard let context, case .sendClose(let close) = self.machine.closeRequested(close) else {
            // A close is already under way: there is no frame of ours left to wait for.
            promise?.succeed()
            return
        }
        self.sendClose(close, context: context, promise: promise)
    }

    func sendPing() {
        guard let context, case .sendPing = self.machine.pingRequested() else { return }
        self.writeFrame(.ping, context.channel.allocator.buffer(capacity: 0), context: context)
    }

    // MARK: - Helpers

    /// Corks one final frame, unflushed. A payload too large to copy, or a cork past its
    /// limit, goes down the pipeline now (still unflushed), so the water marks see it.
    private func write(_ opcode: WebSocketOpcode, _ payload: ByteBuffer, context: ChannelHandlerContext) {
        if let large = self.cork.append(opcode: opcode, payload: payload, allocator: context.channel.allocator) {
            if let corked = self.cork.take() { context.write(Self.wrapOutboundOut(corked), promise: nil) }
            context.write(Self.wrapOutboundOut(large), promise: nil)
        } else if self.cork.count >= OutboundCork.limit, let corked = self.cork.take() {
            context.write(Self.wrapOutboundOut(corked), promise: nil)
        }
    }

    /// Sends the cork down the pipeline and flushes; the cork's buffer goes back to the loop's
    /// pool when the socket took it all. `promise` completes when everything so far is written.
    private func flushNow(context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        guard var corked = self.cork.take() else {
            // Nothing corked (a cork past its limit already went down): an empty write carries
            // the promise, behind everything written before it.
            if let promise { context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer()), promise: promise) } else { context.flush() }
            return
        }
        context.write(Self.wrapOutboundOut(corked), promise: promise)
        context.flush()
        self.cork.recycle(&corked)
    }

    /// Writes a control frame, flushing now unless a read is being handled.
    private func writeFrame(_ opcode: WebSocketOpcode, _ payload: ByteBuffer, context: ChannelHandlerContext) {
        self.write(opcode, payload, context: context)
        if self.isReading {
            self.needsFlush = true
        } else {
            self.flushNow(context: context)
        }
    }

    /// Flushes at the end of the current read, or in a task after the loop's current events.
    private func flushSoon(context: ChannelHandlerContext) {
        if self.isReading {
            self.needsFlush = true
            return
        }
        guard !self.flushScheduled else { return }
        self.flushScheduled = true
        context.eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            if let context = self.context { self.flushNow(context: context) }
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard self.needsFlush else { return }
        self.needsFlush = false
        self.flushNow(context: context)
    }

    /// Sends our close frame and starts the close-handshake timeout.
    private func sendClose(_ close: WebSocketClose, context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        self.needsFlush = false
        self.appendClose(close, context: context)
        self.flushNow(context: context, promise: promise)
        self.closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.closeHandshakeTimeout) {
            self.closeHandshakeTimedOut()
        }
    }

    /// Corks a close frame, behind every frame written before it.
    private func appendClose(_ close: WebSocketClose, context: ChannelHandlerContext) {
        self.write(.connectionClose, close.payload(allocator: context.channel.allocator), context: context)
    }

    private func closeHandshakeTimedOut() {
        self.closeTimer = nil
        switch self.machine.closeHandshakeTimedOut() {
        case .none:
            break
        case .closeChannel:
            self.context?.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension NativeWebSocketHandler: Sendable {}
