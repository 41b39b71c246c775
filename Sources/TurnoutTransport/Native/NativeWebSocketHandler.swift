import NIOCore
import NIOWebSocket

/// The native stack's channel handler: performs the actions of ``NativeWebSocketStateMachine``
/// and delivers messages to the connection's sink.
///
/// It sits after NIO's `WebSocketFrameDecoder` and `WebSocketFrameEncoder`. Inbound it turns
/// frames into the handler set's `message` and `close` calls; outbound it writes frames for
/// ``WebSocketStackConnection`` (the `drain` runs on writability changes). Writes made while a
/// read is being handled are flushed once, at `channelReadComplete`.
///
/// Lives on the channel's event loop; its state is plain `var`s.
final class NativeWebSocketHandler: StackChannelHandler, ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame


    private var machine: NativeWebSocketStateMachine
    private let closeHandshakeTimeout: TimeAmount
    /// Set by ``NativeStack`` right after creating the handler; `nil` once the channel is inactive.
    var data: StackConnectionData?
    private var context: ChannelHandlerContext?
    private var isReading = false
    private var needsFlush = false
    private var closeTimer: Scheduled<Void>?

    /// Creates the handler of one connection.
    init(configuration: WebSocketStackConfiguration) {
        self.machine = NativeWebSocketStateMachine(maxMessageSize: configuration.maxMessageSize)
        self.closeHandshakeTimeout = TimeAmount(configuration.closeHandshakeTimeout)
    }

    // MARK: - Inbound

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.closeTimer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.isReading = true
        let frame = Self.unwrapInboundIn(data)
        switch self.machine.frameReceived(frame) {
        case .none:
            break
        case .deliverText(let text):
            self.data?.sink?.textReceived(text)
        case .deliverBinary(let binary):
            self.data?.sink?.binaryReceived(binary)
        case .sendPong(let payload):
            self.write(WebSocketFrame(fin: true, opcode: .pong, data: payload), context: context)
        case .reportPong:
            self.data?.sink?.pongReceived()
        case .echoCloseThenCloseChannel(let close):
            self.data?.connection.markClosed()
            self.flushIfNeeded(context: context)
            context.writeAndFlush(Self.wrapOutboundOut(close.frame(allocator: context.channel.allocator)))
                .assumeIsolated()
                .whenComplete { _ in context.close(promise: nil) }
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

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.data?.connection.writabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.startClose(.serverShuttingDown)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? NIOWebSocketError {
            switch self.machine.decoderFailed(error) {
            case .none:
                break
            case .sendCloseAndShutdownOutput(let close):
                self.sendClose(close, context: context)
                context.close(mode: .output, promise: nil)
            }
        } else if error is ByteToMessageDecoderError {
            // Bytes after a decoder error: the close handshake is already under way.
        } else {
            // An I/O error: the socket is unusable.
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closeTimer?.cancel()
        self.closeTimer = nil
        if let close = self.machine.socketClosed(), let data = self.data {
            data.connection.detach()
            self.data = nil
            data.sink?.connectionClosed(close)
        }
        context.fireChannelInactive()
    }

    // MARK: - WebSocketOutboundWriter

    func writeMessage(_ data: ByteBuffer, opcode: WebSocketOpcode, flush: Bool) {
        guard let context, self.machine.isOpen else { return }
        let frame = WebSocketFrame(fin: true, opcode: opcode, data: data)
        if flush, !self.isReading {
            context.writeAndFlush(Self.wrapOutboundOut(frame), promise: nil)
        } else {
            context.write(Self.wrapOutboundOut(frame), promise: nil)
            self.needsFlush = self.needsFlush || flush
        }
    }

    func flushMessages() {
        guard let context else { return }
        if self.isReading {
            self.needsFlush = true
        } else {
            self.needsFlush = false
            context.flush()
        }
    }

    func startClose(_ close: WebSocketClose) {
        guard let context, let close = self.machine.closeRequested(close) else { return }
        self.sendClose(close, context: context)
    }

    func sendPing() {
        guard let context, self.machine.pingRequested() else { return }
        self.write(WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0)), context: context)
    }

    // MARK: - Helpers

    /// Writes a control frame, flushing now unless a read is being handled.
    private func write(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        if self.isReading {
            context.write(Self.wrapOutboundOut(frame), promise: nil)
            self.needsFlush = true
        } else {
            context.writeAndFlush(Self.wrapOutboundOut(frame), promise: nil)
        }
    }

    private func flushIfNeeded(context: ChannelHandlerContext) {
        guard self.needsFlush else { return }
        self.needsFlush = false
        context.flush()
    }

    /// Sends our close frame and starts the close-handshake timeout.
    private func sendClose(_ close: WebSocketClose, context: ChannelHandlerContext) {
        self.data?.connection.markClosed()
        self.needsFlush = false
        context.writeAndFlush(Self.wrapOutboundOut(close.frame(allocator: context.channel.allocator)), promise: nil)
        self.closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.closeHandshakeTimeout) {
            self.closeHandshakeTimedOut()
        }
    }

    private func closeHandshakeTimedOut() {
        self.closeTimer = nil
        guard self.machine.closeHandshakeTimedOut() else { return }
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension NativeWebSocketHandler: Sendable {}
