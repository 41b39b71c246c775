import NIOCore
import NIOWebSocket
import TurnoutCore
import WebSocketKit

/// The thin handler in front of websocket-kit's handlers on the compat stack.
///
/// It exists because websocket-kit 2.16 lacks RFC 6455 checks and differs from the native stack
/// on the wire; without it a client could tell the stacks apart. What it fixes:
/// 1. websocket-kit does not validate UTF-8 (1007), does not reject unmasked client frames,
///    reserved opcodes or RSV bits (1002), nor 1-byte close payloads, and echoes invalid close codes.
///    → every frame goes through the shared ``WebSocketFrameValidator`` first, like native.
/// 2. websocket-kit's `close(code:)` cannot send a reason (`Slow consumer`, `Server shutting
///    down`, the core's reasons), echoes 1000 for a close without code, and waits forever for
///    the peer's close frame. → close frames never reach websocket-kit: this handler runs the close
///    handshake as native does (echo the code, close TCP after the echo; our close with its reason,
///    then wait for the peer's close at most `closeHandshakeTimeout`).
/// 3. websocket-kit decodes each text fragment to a `String` on its own, so a code point split
///    across fragments becomes U+FFFD. → fragmented text is reassembled here and handed on as one
///    frame (binary fragments still go to websocket-kit's `NIOWebSocketFrameAggregator`).
/// 4. On a decoder or aggregator error websocket-kit sends a close without reason (1011 for
///    other errors) and keeps going. → errors stop here and map to the same close as native.
/// 5. websocket-kit keeps answering pings and sending messages after a close frame was sent.
///    → once closing, inbound frames other than close are discarded and outbound frames dropped.
///    (Its aggregator's own errors, such as a continuation without a message, would become a
///    1011; the validator rejects those frames first, with 1002, as native does.)
/// 6. websocket-kit has no backpressure. → ``WebSocketStackConnection`` applies the native policy,
///    fed by this handler's `channelWritabilityChanged`; shutdown (`ChannelShouldQuiesceEvent`)
///    closes with 1001 `Server shutting down`.
///
/// websocket-kit still turns frames into messages (its aggregator and `String` decoding), answers
/// pings, reports pongs, and sends every message (``WebSocket/send(_:opcode:fin:promise:)``).
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

    private enum State: Equatable {
        case open
        /// We sent a close frame; waiting for the peer's.
        case closing
        case closed
    }

    private var state = State.open
    private var validator: WebSocketFrameValidator
    private let closeHandshakeTimeout: TimeAmount
    /// The fragments so far of a fragmented text message.
    private var textMessage: ByteBuffer?
    /// The first close frame sent or received, reported when the socket is gone.
    private var firstClose: WebSocketClose?
    private var reported = false
    /// websocket-kit's socket, once its handlers are in the pipeline.
    private var webSocket: WebSocket?
    private var heldInbound = CircularBuffer<WebSocketFrame>()
    private var heldOutbound = CircularBuffer<(ByteBuffer, WebSocketOpcode)>()
    private var context: ChannelHandlerContext?
    private var closeTimer: Scheduled<Void>?
    /// Set by ``CompatStack`` right after creating the handler; `nil` once the channel is inactive.
    var data: StackConnectionData?

    static var stack: TransportStack { .compat }

    /// Creates the handler of one connection.
    init(configuration: WebSocketStackConfiguration) {
        self.validator = WebSocketFrameValidator(maxMessageSize: configuration.maxMessageSize)
        self.closeHandshakeTimeout = TimeAmount(configuration.closeHandshakeTimeout)
    }

    /// websocket-kit's handlers are in place: pass on what was held.
    func webSocketReady(_ webSocket: WebSocket) {
        self.webSocket = webSocket
        guard let context else { return }
        while let (data, opcode) = self.heldOutbound.popFirst() {
            self.send(data, opcode: opcode)
        }
        while let frame = self.heldInbound.popFirst() {
            context.fireChannelRead(Self.wrapInboundOut(frame))
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
        let frame = Self.unwrapInboundIn(data)
        switch self.state {
        case .closed:
            return
        case .closing:
            guard frame.opcode == .connectionClose else { return }
            self.state = .closed
            self.closeTimer?.cancel()
            context.close(promise: nil)
            return
        case .open:
            break
        }
        switch self.validator.validate(frame) {
        case .violation(let close):
            self.sendClose(close, context: context)
        case .ping(let payload):
            self.forward(WebSocketFrame(fin: true, opcode: .ping, data: payload), context: context)
        case .pong(let payload):
            self.forward(WebSocketFrame(fin: true, opcode: .pong, data: payload), context: context)
        case .close(let close):
            self.firstClose = close
            self.state = .closed
            self.data?.connection.markClosed()
            context.writeAndFlush(Self.wrapOutboundOut(WebSocketClose(code: close.code).frame(allocator: context.channel.allocator)))
                .assumeIsolated()
                .whenComplete { _ in context.close(promise: nil) }
        case .data(var payload, let isText, let isFirst, let fin):
            guard isText else {
                self.forward(WebSocketFrame(fin: fin, opcode: isFirst ? .binary : .continuation, data: payload), context: context)
                return
            }
            if isFirst, fin {
                self.forward(WebSocketFrame(fin: true, opcode: .text, data: payload), context: context)
            } else if isFirst {
                self.textMessage = payload
            } else if var message = self.textMessage {
                self.textMessage = nil
                message.writeBuffer(&payload)
                if fin {
                    self.forward(WebSocketFrame(fin: true, opcode: .text, data: message), context: context)
                } else {
                    self.textMessage = message
                }
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Not forwarded: websocket-kit would answer with a close of its own.
        if let error = error as? NIOWebSocketError {
            guard self.state == .open else { return }
            self.sendClose(.forDecoderError(error), context: context)
            context.close(mode: .output, promise: nil)
        } else if error is ByteToMessageDecoderError {
            // Bytes after a decoder error: the close handshake is already under way.
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state = .closed
        self.closeTimer?.cancel()
        self.closeTimer = nil
        self.heldInbound.removeAll()
        self.heldOutbound.removeAll()
        if !self.reported, let data = self.data {
            self.reported = true
            data.connection.detach()
            self.data = nil
            data.sink?.connectionClosed(self.firstClose)
        }
        context.fireChannelInactive()
    }

    // MARK: - Outbound (websocket-kit's writes)

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard self.state == .open else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        context.write(data, promise: promise)
    }

    // MARK: - WebSocketOutboundWriter

    func writeMessage(_ data: ByteBuffer, opcode: WebSocketOpcode, flush: Bool) {
        guard self.state == .open else { return }
        self.send(data, opcode: opcode)
    }

    func flushMessages() {
        // websocket-kit flushes every message it sends.
    }

    func startClose(_ close: WebSocketClose, promise: EventLoopPromise<Void>?) {
        guard self.state == .open, let context else {
            // A close is already under way: there is no frame of ours left to wait for.
            promise?.succeed()
            return
        }
        self.sendClose(close, context: context, promise: promise)
    }

    func sendPing() {
        guard self.state == .open else { return }
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
        self.firstClose = self.firstClose ?? close
        self.state = .closing
        self.textMessage = nil
        self.data?.connection.markClosed()
        context.writeAndFlush(Self.wrapOutboundOut(close.frame(allocator: context.channel.allocator)), promise: promise)
        self.closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.closeHandshakeTimeout) {
            self.closeHandshakeTimedOut()
        }
    }

    private func closeHandshakeTimedOut() {
        self.closeTimer = nil
        guard self.state == .closing else { return }
        self.state = .closed
        self.context?.close(promise: nil)
    }
}

@available(*, unavailable)
extension CompatValidatingHandler: Sendable {}
