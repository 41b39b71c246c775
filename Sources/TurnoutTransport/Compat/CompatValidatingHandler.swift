import NIOCore
import NIOWebSocket
import TurnoutCore
import WebSocketKit

/// The thin handler in front of websocket-kit's handlers on the compat stack: it feeds NIO's
/// frames to the shared ``WebSocketProtocolStateMachine`` and performs its actions, so that the
/// compat stack keeps the same rules as the native one.
///
/// websocket-kit 2.16 stays the I/O and API layer: it turns the messages this handler forwards into
/// `onText`/`onBinary`/`onPong` calls, answers pings, and sends every message
/// (``WebSocket/send(_:opcode:fin:promise:)``). What it lacks or does differently, and what the
/// machine therefore decides instead:
/// 1. It does not validate UTF-8 (1007), does not reject unmasked client frames, reserved opcodes
///    or RSV bits (1002), nor 1-byte close payloads, and echoes invalid close codes.
/// 2. Its `close(code:)` cannot send a reason (`Slow consumer`, `Server shutting down`, the core's
///    reasons), echoes 1000 for a close without code, and waits forever for the peer's close
///    frame. → close frames never reach websocket-kit; the machine runs the handshake.
/// 3. It decodes each text fragment to a `String` on its own, so a code point split across
///    fragments becomes U+FFFD. → the machine reassembles every message, and websocket-kit
///    only sees whole, final, unmasked frames.
/// 4. On a decoder or aggregator error it sends a close without reason (1011 for other errors)
///    and keeps going. → errors stop here and go to the machine.
/// 5. It keeps answering pings and sending messages after a close frame was sent. → once the
///    machine is not open, its writes fail here.
/// 6. It has no backpressure. → ``WebSocketStackConnection`` applies the native policy, fed by
///    this handler's `channelWritabilityChanged`; shutdown (`ChannelShouldQuiesceEvent`)
///    closes with 1001 `Server shutting down`.
///
/// `WebSocket.server(on:)` adds websocket-kit's handlers on a later loop tick; frames that arrive
/// before that, and messages sent before that, are held here and passed on in order.
///
/// Lives on the channel's event loop; its state is plain `var`s.
final class CompatValidatingHandler: StackChannelHandler, ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var machine: WebSocketProtocolStateMachine
    private let closeHandshakeTimeout: TimeAmount
    /// websocket-kit's socket, once its handlers are in the pipeline.
    private var webSocket: WebSocket?
    // Arrays, not CircularBuffers: an empty array holds no memory, where each CircularBuffer
    // kept 16 slots for the connection's whole life (idle compat RSS: 6.5 → 5.8 KiB per connection).
    private var heldInbound: [WebSocketFrame] = []
    private var heldOutbound: [(ByteBuffer, WebSocketOpcode)] = []
    /// A close requested behind held messages: it must follow them onto the wire, as on native.
    private var heldClose: (close: WebSocketClose, promise: EventLoopPromise<Void>?)?
    private var context: ChannelHandlerContext?
    private var closeTimer: Scheduled<Void>?
    /// Set by ``CompatStack`` right after creating the handler; `nil` once the channel is inactive.
    var data: StackConnectionData?

    static var stack: TransportStack { .compat }

    /// Creates the handler of one connection.
    init(configuration: WebSocketStackConfiguration) {
        self.machine = WebSocketProtocolStateMachine(maxMessageSize: configuration.maxMessageSize)
        self.closeHandshakeTimeout = TimeAmount(configuration.closeHandshakeTimeout)
    }

    /// websocket-kit's handlers are in place: pass on what was held.
    func webSocketReady(_ webSocket: WebSocket) {
        self.webSocket = webSocket
        guard let context else { return }
        while !self.heldOutbound.isEmpty {
            let (data, opcode) = self.heldOutbound.removeFirst()
            self.send(data, opcode: opcode)
        }
        if let (close, promise) = self.heldClose {
            self.heldClose = nil
            self.startClose(close, promise: promise)
        }
        while !self.heldInbound.isEmpty {
            context.fireChannelRead(Self.wrapInboundOut(self.heldInbound.removeFirst()))
        }
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
        switch self.machine.frameReceived(InboundFrame(Self.unwrapInboundIn(data))) {
        case .none:
            break
        case .deliverText(let text):
            self.forward(WebSocketFrame(fin: true, opcode: .text, data: text), context: context)
        case .deliverBinary(let binary):
            self.forward(WebSocketFrame(fin: true, opcode: .binary, data: binary), context: context)
        case .sendPong(let payload):
            // websocket-kit answers the ping.
            self.forward(WebSocketFrame(fin: true, opcode: .ping, data: payload), context: context)
        case .reportPong(let payload):
            // websocket-kit's `onPong` tells the sink.
            self.forward(WebSocketFrame(fin: true, opcode: .pong, data: payload), context: context)
        case .echoCloseThenCloseChannel(let close):
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Not forwarded: websocket-kit would answer with a close of its own.
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
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.closeTimer?.cancel()
        self.closeTimer = nil
        self.heldInbound.removeAll()
        self.heldOutbound.removeAll()
        if let (_, promise) = self.heldClose {
            self.heldClose = nil
            promise?.succeed()
        }
        if case .reportClose(let close) = self.machine.socketClosed(), let data = self.data {
            data.connection.detach()
            self.data = nil
            data.sink?.connectionClosed(close)
        }
        context.fireChannelInactive()
    }

    // MARK: - Outbound (websocket-kit's writes)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard self.machine.isOpen else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        context.write(data, promise: promise)
    }

    // MARK: - WebSocketOutboundWriter

    func writeMessage(_ data: ByteBuffer, opcode: WebSocketOpcode, flush: Bool) {
        guard self.machine.isOpen, self.heldClose == nil else { return }
        self.send(data, opcode: opcode)
    }

    func flushMessages() {
        // websocket-kit flushes every message it sends.
    }

    func startClose(_ close: WebSocketClose, promise: EventLoopPromise<Void>?) {
        if self.webSocket == nil, !self.heldOutbound.isEmpty, self.heldClose == nil, self.machine.isOpen {
            self.heldClose = (close, promise)
            return
        }
        guard let context, case .sendClose(let close) = self.machine.closeRequested(close) else {
            // A close is already under way: there is no frame of ours left to wait for.
            promise?.succeed()
            return
        }
        self.sendClose(close, context: context, promise: promise)
    }

    func sendPing() {
        guard case .sendPing = self.machine.pingRequested() else { return }
        self.send(ByteBuffer(), opcode: .ping)
    }

    // MARK: - Helpers

    private func send(_ data: ByteBuffer, opcode: WebSocketOpcode) {
        guard let webSocket = self.webSocket else {
            self.heldOutbound.append((data, opcode))
            return
        }
        if opcode == .ping {
            webSocket.sendPing()
        } else {
            webSocket.send(data, opcode: opcode)
        }
    }

    private func forward(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        if self.webSocket == nil {
            self.heldInbound.append(frame)
        } else {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
    }

    /// Sends our close frame and starts the close-handshake timeout.
    private func sendClose(_ close: WebSocketClose, context: ChannelHandlerContext, promise: EventLoopPromise<Void>? = nil) {
        context.writeAndFlush(Self.wrapOutboundOut(close.frame(allocator: context.channel.allocator)), promise: promise)
        self.closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.closeHandshakeTimeout) {
            self.closeHandshakeTimedOut()
        }
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
extension CompatValidatingHandler: Sendable {}
