import NIOCore
import NIOWebSocket

/// The decisions of the native stack for one connection: frame checks, reassembly of fragmented
/// messages, the close handshake and ping tracking. Its methods return actions; the
/// ``NativeWebSocketHandler`` performs them.
///
/// States: `open` → `closing` (we sent a close frame and wait for the peer's) → `closed`
/// (the handshake is over, or the socket is gone). A peer-initiated close goes from `open`
/// straight to `closed`: the close is echoed and the TCP connection closed after the echo.
///
/// A value living on one event loop; not thread-safe.
struct NativeWebSocketStateMachine {
    /// Where the connection is in its life.
    enum State: Equatable {
        /// Messages flow both ways.
        case open
        /// We sent this close frame; waiting for the peer's close frame or the timeout.
        case closing(WebSocketClose)
        /// The close handshake is over or the socket is gone.
        case closed
    }

    /// What the handler does with one inbound frame.
    enum FrameAction {
        /// Nothing (a fragment was buffered, or the frame arrived while closing).
        case none
        /// Deliver a complete, valid text message.
        case deliverText(ByteBuffer)
        /// Deliver a complete binary message.
        case deliverBinary(ByteBuffer)
        /// Answer a ping with a pong carrying the same payload.
        case sendPong(ByteBuffer)
        /// Tell the sink a pong arrived.
        case reportPong
        /// The peer closed: send this close frame back, then close the TCP connection.
        case echoCloseThenCloseChannel(WebSocketClose)
        /// Fail the connection: send this close frame and wait for the peer's (with the timeout).
        case sendClose(WebSocketClose)
        /// The peer answered our close frame: close the TCP connection.
        case closeChannel
    }

    /// What the handler does when NIO's frame decoder fails.
    enum DecoderFailureAction {
        /// Nothing more: a close is already under way.
        case none
        /// Send this close frame, half-close the output and wait for the peer's FIN (or the
        /// timeout): the decoder is dead, so the peer's close frame can no longer be read.
        case sendCloseAndShutdownOutput(WebSocketClose)
    }

    private(set) var state: State = .open
    private var validator: WebSocketFrameValidator
    /// The fragments so far of a fragmented message.
    private var message: ByteBuffer?
    private var messageIsText = false
    /// The first close frame sent or received: what is reported once the socket is gone.
    private var firstClose: WebSocketClose?
    private var reported = false
    /// Pings sent (the core's heartbeat) and pongs received, for tests and diagnostics.
    private(set) var pingsSent = 0
    private(set) var pongsReceived = 0

    /// Creates the machine of a new, open connection.
    init(maxMessageSize: Int) {
        self.validator = WebSocketFrameValidator(maxMessageSize: maxMessageSize)
    }

    /// Whether messages may still be sent.
    var isOpen: Bool { self.state == .open }

    /// A frame arrived from the peer.
    mutating func frameReceived(_ frame: InboundFrame) -> FrameAction {
        switch self.state {
        case .closed:
            return .none
        case .closing:
            // Only the peer's close frame matters now; everything else is discarded unchecked.
            guard frame.opcode == .connectionClose else { return .none }
            self.state = .closed
            return .closeChannel
        case .open:
            break
        }
        switch self.validator.validate(frame) {
        case .violation(let close):
            return .sendClose(self.startClosing(close))
        case .ping(let payload):
            return .sendPong(payload)
        case .pong:
            self.pongsReceived += 1
            return .reportPong
        case .close(let close):
            self.firstClose = close
            self.state = .closed
            // Echo the code only (none if the peer sent none), as RFC 6455 section 5.5.1 suggests.
            return .echoCloseThenCloseChannel(WebSocketClose(code: close.code))
        case .data(var data, let isText, let isFirst, let fin):
            if isFirst {
                if fin { return isText ? .deliverText(data) : .deliverBinary(data) }
                self.message = data
                self.messageIsText = isText
                return .none
            }
            guard var message = self.message else {
                fatalError("the validator let a continuation through without a message in progress")
            }
            self.message = nil
            message.writeBuffer(&data)
            guard fin else {
                self.message = message
                return .none
            }
            return self.messageIsText ? .deliverText(message) : .deliverBinary(message)
        }
    }

    /// The server wants to close (the core's close, `Slow consumer`, shutdown).
    ///
    /// - Returns: The close frame to send, or `nil` if a close is already under way.
    mutating func closeRequested(_ close: WebSocketClose) -> WebSocketClose? {
        guard self.state == .open else { return nil }
        return self.startClosing(close)
    }

    /// NIO's frame decoder raised an error.
    mutating func decoderFailed(_ error: NIOWebSocketError) -> DecoderFailureAction {
        guard self.state == .open else { return .none }
        return .sendCloseAndShutdownOutput(self.startClosing(.forDecoderError(error)))
    }

    /// The close-handshake timeout fired.
    ///
    /// - Returns: Whether to close the TCP connection now.
    mutating func closeHandshakeTimedOut() -> Bool {
        guard case .closing = self.state else { return false }
        self.state = .closed
        return true
    }

    /// A ping is about to be sent.
    ///
    /// - Returns: Whether to send it (not once a close is under way).
    mutating func pingRequested() -> Bool {
        guard self.state == .open else { return false }
        self.pingsSent += 1
        return true
    }

    /// The socket is gone.
    ///
    /// - Returns: The close to report to the sink, the first time only; `.some(nil)` when no close
    ///   frame was sent or received.
    mutating func socketClosed() -> WebSocketClose?? {
        self.state = .closed
        self.message = nil
        guard !self.reported else { return nil }
        self.reported = true
        return .some(self.firstClose)
    }

    private mutating func startClosing(_ close: WebSocketClose) -> WebSocketClose {
        self.firstClose = self.firstClose ?? close
        self.state = .closing(close)
        self.message = nil
        return close
    }
}
