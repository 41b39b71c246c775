import NIOCore
import NIOWebSocket

/// Every RFC 6455 rule after framing, for one connection, on both stacks: the frame checks
/// (RSV bits, masking, opcodes, control frames), reassembly and the continuation rules,
/// incremental UTF-8, the message size limit, ping and pong, the close handshake with its
/// close-code checks, and the one record of whether the connection is closed.
///
/// Each input is a `mutating` method that returns an action; the stack's handler performs it
/// (``NativeWebSocketHandler`` fed by ``NativeFrameParser``, ``CompatValidatingHandler`` fed by
/// NIO's `WebSocketFrameDecoder`). Because both stacks run this one machine, a client cannot tell
/// them apart by what they accept, reject or answer.
///
/// States: ``State/open(_:)`` → ``State/closing(_:)`` (we sent a close frame and wait for the
/// peer's) → ``State/closed(_:)`` (the handshake is over; the TCP connection is closing) →
/// ``State/disconnected`` (the socket is gone and its close reported). A peer-initiated close goes
/// from `open` straight to `closed`: the close is echoed and the TCP connection closed after the
/// echo. Nothing ever returns to `open`; an input that would need it is a broken invariant and
/// traps.
///
/// A value living on one event loop; not thread-safe, and not `Sendable` on purpose.
struct WebSocketProtocolStateMachine {
    /// Where the connection is in its life, with the data that state needs.
    enum State {
        /// Messages flow both ways.
        case open(OpenState)
        /// We sent this close frame; waiting for the peer's close frame or the timeout.
        case closing(ClosingState)
        /// The close handshake is over (or timed out); the TCP connection is being closed.
        case closed(CloseRecord)
        /// The socket is gone and its close was reported.
        case disconnected
        /// Held only inside a `mutating` method, so an open state's partial message stays uniquely
        /// referenced while it grows (no copy-on-write of its buffer).
        case modifying
    }

    /// The open connection's data.
    struct OpenState {
        /// The fragments so far of a fragmented message; `nil` between messages.
        var message: PartialMessage?
    }

    /// A fragmented message being reassembled.
    struct PartialMessage {
        /// The unmasked payload so far.
        var buffer: ByteBuffer
        /// Whether it is text (set by its first frame).
        var isText: Bool
        /// The UTF-8 state at the end of `buffer`, for text.
        var utf8: IncrementalUTF8Validator
    }

    /// Our close is under way.
    struct ClosingState {
        /// The close frame we sent; the first close, so the one reported.
        var sent: WebSocketClose
    }

    /// How the close handshake ended.
    struct CloseRecord {
        /// The first close frame sent or received: what is reported once the socket is gone.
        var firstClose: WebSocketClose
    }

    /// What the handler does with one inbound frame.
    enum FrameAction {
        /// Nothing (a fragment was buffered, or the frame arrived while closing).
        case none
        /// Deliver a complete text message, valid UTF-8.
        case deliverText(ByteBuffer)
        /// Deliver a complete binary message.
        case deliverBinary(ByteBuffer)
        /// Answer a ping with a pong carrying this, its payload.
        case sendPong(ByteBuffer)
        /// A pong arrived with this payload: tell the sink.
        case reportPong(ByteBuffer)
        /// The peer closed: send this close frame back, then close the TCP connection.
        case echoCloseThenCloseChannel(WebSocketClose)
        /// Fail the connection: send this close frame and wait for the peer's (with the timeout).
        case sendClose(WebSocketClose)
        /// The peer answered our close frame: close the TCP connection.
        case closeChannel
    }

    /// What the handler does when the server wants to close.
    enum CloseAction {
        /// Nothing: a close is already under way.
        case none
        /// Send this close frame and wait for the peer's (with the timeout).
        case sendClose(WebSocketClose)
    }

    /// What the handler does when the framing layer rejected a frame header.
    enum DecoderFailureAction {
        /// Nothing more: a close is already under way.
        case none
        /// Send this close frame, half-close the output and wait for the peer's FIN (or the
        /// timeout): the framing is lost, so the peer's close frame can no longer be read.
        case sendCloseAndShutdownOutput(WebSocketClose)
    }

    /// What the handler does when the close-handshake timeout fires.
    enum TimeoutAction {
        /// Nothing: the handshake ended in time.
        case none
        /// The peer never answered: close the TCP connection.
        case closeChannel
    }

    /// What the handler does when the core asks for a ping.
    enum PingAction {
        /// Nothing: no pings once a close is under way.
        case none
        /// Send a ping with an empty payload.
        case sendPing
    }

    /// What the handler does when the socket is gone.
    enum SocketClosedAction {
        /// Nothing: already reported.
        case none
        /// Tell the sink, once: the first close frame sent or received, `nil` when there was none.
        case reportClose(WebSocketClose?)
    }

    /// The largest message after reassembly, in bytes.
    let maxMessageSize: Int
    /// The connection's state; `private(set)` so tests can read it.
    private(set) var state: State = .open(OpenState())

    /// Creates the machine of a new, open connection.
    ///
    /// - Parameter maxMessageSize: The largest message after reassembly, in bytes; one more is a 1009.
    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Whether messages may still be sent: only while open.
    var isOpen: Bool {
        if case .open = self.state { return true }
        return false
    }

    // MARK: - Inputs

    /// A frame arrived from the peer.
    mutating func frameReceived(_ frame: InboundFrame) -> FrameAction {
        switch self.state {
        case .open(var open):
            // A partial message's buffer must be referenced by `open` alone while it grows. Without
            // one (nearly every frame) the state is left untouched unless a fragment starts one.
            let hadMessage = open.message != nil
            if hadMessage { self.state = .modifying }
            switch open.receive(frame, maxMessageSize: self.maxMessageSize) {
            case .action(let action):
                if hadMessage || open.message != nil { self.state = .open(open) }
                return action
            case .violation(let close):
                self.state = .closing(ClosingState(sent: close))
                return .sendClose(close)
            case .peerClosed(let close):
                self.state = .closed(CloseRecord(firstClose: close))
                // Echo the code only (none if the peer sent none), as RFC 6455 section 5.5.1 suggests.
                return .echoCloseThenCloseChannel(WebSocketClose(code: close.code))
            }
        case .closing(let closing):
            // Only the peer's close frame matters now; everything else is discarded unchecked.
            guard frame.opcode == .connectionClose else { return .none }
            self.state = .closed(CloseRecord(firstClose: closing.sent))
            return .closeChannel
        case .closed, .disconnected:
            return .none
        case .modifying:
            fatalError("WebSocketProtocolStateMachine re-entered while modifying its state")
        }
    }

    /// The server wants to close (the core's close, `Slow consumer`, shutdown).
    mutating func closeRequested(_ close: WebSocketClose) -> CloseAction {
        switch self.state {
        case .open:
            self.state = .closing(ClosingState(sent: close))
            return .sendClose(close)
        case .closing, .closed, .disconnected:
            return .none
        case .modifying:
            fatalError("WebSocketProtocolStateMachine re-entered while modifying its state")
        }
    }

    /// The framing layer (``NativeFrameParser``, or NIO's `WebSocketFrameDecoder` on compat)
    /// rejected a frame header.
    mutating func decoderFailed(_ error: NIOWebSocketError) -> DecoderFailureAction {
        switch self.state {
        case .open:
            let close = WebSocketClose.forDecoderError(error)
            self.state = .closing(ClosingState(sent: close))
            return .sendCloseAndShutdownOutput(close)
        case .closing, .closed, .disconnected:
            return .none
        case .modifying:
            fatalError("WebSocketProtocolStateMachine re-entered while modifying its state")
        }
    }

    /// The close-handshake timeout, started with our close frame, fired.
    mutating func closeHandshakeTimedOut() -> TimeoutAction {
        switch self.state {
        case .closing(let closing):
            self.state = .closed(CloseRecord(firstClose: closing.sent))
            return .closeChannel
        case .closed, .disconnected:
            return .none
        case .open:
            fatalError("close-handshake timeout fired on an open connection: no close frame was sent")
        case .modifying:
            fatalError("WebSocketProtocolStateMachine re-entered while modifying its state")
        }
    }

    /// The core wants to ping (its heartbeat).
    mutating func pingRequested() -> PingAction {
        switch self.state {
        case .open:
            return .sendPing
        case .closing, .closed, .disconnected:
            return .none
        case .modifying:
            fatalError("WebSocketProtocolStateMachine re-entered while modifying its state")
        }
    }

    /// The socket is gone (the channel became inactive).
    mutating func socketClosed() -> SocketClosedAction {
        switch self.state {
        case .open:
            self.state = .disconnected
            return .reportClose(nil)
        case .closing(let closing):
            self.state = .disconnected
            return .reportClose(closing.sent)
        case .closed(let record):
            self.state = .disconnected
            return .reportClose(record.firstClose)
        case .disconnected:
            return .none
        case .modifying:
            fatalError("WebSocketProtocolStateMachine re-entered while modifying its state")
        }
    }
}

@available(*, unavailable)
extension WebSocketProtocolStateMachine: Sendable {}
