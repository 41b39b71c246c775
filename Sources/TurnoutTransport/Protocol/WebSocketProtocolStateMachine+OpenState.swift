import NIOCore
import NIOWebSocket

extension WebSocketProtocolStateMachine.OpenState {
    /// What one frame does to an open connection; the machine turns it into its state change.
    enum Outcome {
        /// The connection stays open; the handler performs this.
        case action(WebSocketProtocolStateMachine.FrameAction)
        /// The frame breaks the protocol: fail the connection with this close.
        case violation(WebSocketClose)
        /// A valid close frame from the peer.
        case peerClosed(WebSocketClose)
    }

    /// Checks one frame of an open connection, unmasks it, and reassembles fragments.
    ///
    /// The framing layers already reject a frame longer than `maxMessageSize`, fragmented control
    /// frames and control frames over 125 bytes (``WebSocketClose/forDecoderError(_:)``); the
    /// control-frame checks are repeated here so the machine stands alone. The payload is unmasked
    /// in place when the frame holds the only reference to its bytes; otherwise `ByteBuffer`'s
    /// copy-on-write copies it once.
    mutating func receive(_ frame: InboundFrame, maxMessageSize: Int) -> Outcome {
        if frame.hasReservedBits { return .violation(.reservedBits) }
        guard let maskKey = frame.maskKey else { return .violation(.unmaskedFrame) }
        var data = frame.payload
        data.webSocketUnmask(maskKey)
        switch frame.opcode {
        case .text, .binary:
            guard self.message == nil else { return .violation(.expectedContinuation) }
            return self.firstFragment(data, isText: frame.opcode == .text, fin: frame.fin, maxMessageSize: maxMessageSize)
        case .continuation:
            guard var message = self.message else { return .violation(.unexpectedContinuation) }
            // Taken out, so that its buffer is uniquely referenced while it grows.
            self.message = nil
            guard message.buffer.readableBytes + data.readableBytes <= maxMessageSize else { return .violation(.messageTooBig) }
            if message.isText {
                guard message.utf8.feed(data), !frame.fin || message.utf8.isComplete else { return .violation(.invalidUTF8) }
            }
            message.buffer.writeBuffer(&data)
            guard frame.fin else {
                self.message = message
                return .action(.none)
            }
            return .action(message.isText ? .deliverText(message.buffer) : .deliverBinary(message.buffer))
        case .ping, .pong, .connectionClose:
            guard frame.fin else { return .violation(.fragmentedControlFrame) }
            guard data.readableBytes <= 125 else { return .violation(.controlFrameTooLong) }
            switch frame.opcode {
            case .ping: return .action(.sendPong(data))
            case .pong: return .action(.reportPong(data))
            default: return Self.close(data)
            }
        default:
            return .violation(.reservedOpcode)
        }
    }

    /// A text or binary frame: a whole message when final, else the start of one.
    private mutating func firstFragment(_ data: ByteBuffer, isText: Bool, fin: Bool, maxMessageSize: Int) -> Outcome {
        guard data.readableBytes <= maxMessageSize else { return .violation(.messageTooBig) }
        var utf8 = IncrementalUTF8Validator()
        if isText {
            // Checked per fragment, so an invalid first fragment fails at once.
            guard utf8.feed(data), !fin || utf8.isComplete else { return .violation(.invalidUTF8) }
        }
        if fin { return .action(isText ? .deliverText(data) : .deliverBinary(data)) }
        self.message = WebSocketProtocolStateMachine.PartialMessage(buffer: data, isText: isText, utf8: utf8)
        return .action(.none)
    }

    /// A close frame's payload: empty, or a valid code and a UTF-8 reason.
    private static func close(_ payload: ByteBuffer) -> Outcome {
        var payload = payload
        switch payload.readableBytes {
        case 0:
            return .peerClosed(WebSocketClose(code: nil))
        case 1:
            return .violation(.invalidCloseFrame)
        default:
            let code = payload.readInteger(as: UInt16.self)!
            guard WebSocketClose.isValidReceivedCode(code) else { return .violation(.invalidCloseCode) }
            var validator = IncrementalUTF8Validator()
            guard validator.feed(payload), validator.isComplete else { return .violation(.invalidCloseReason) }
            return .peerClosed(WebSocketClose(code: code, reason: String(buffer: payload)))
        }
    }
}
