import NIOCore
import NIOWebSocket

/// The RFC 6455 checks on inbound frames that both stacks share, so that a client cannot tell
/// them apart by what they reject.
///
/// The decoders (NIO's `WebSocketFrameDecoder`, ``NativeFrameParser``) already reject fragmented
/// control frames and control frames longer than 125 bytes (see
/// ``WebSocketClose/forDecoderError(_:)``); this validator checks the
/// rest: RSV bits (no extension is ever negotiated), masking, reserved opcodes, the order of
/// fragments, the message size after reassembly, UTF-8 of text (incrementally, so the first bad
/// fragment fails) and close frames (length, code, reason).
///
/// Lives on one connection's event loop; a value, not thread-safe.
struct WebSocketFrameValidator: Sendable {
    /// What one valid frame is.
    enum Verdict {
        /// A fragment of a data message, unmasked. `isFirst` marks the frame that carries the
        /// message's opcode; `fin` the last fragment.
        case data(ByteBuffer, isText: Bool, isFirst: Bool, fin: Bool)
        /// A ping, unmasked payload.
        case ping(ByteBuffer)
        /// A pong, unmasked payload.
        case pong(ByteBuffer)
        /// A valid close frame.
        case close(WebSocketClose)
        /// The frame breaks the protocol: fail the connection with this close.
        case violation(WebSocketClose)
    }

    /// The largest message after reassembly, in bytes.
    let maxMessageSize: Int
    /// Whether the fragmented message in progress is text; `nil` between messages.
    private var messageIsText: Bool?
    /// Bytes received so far of the message in progress.
    private var messageLength = 0
    private var utf8 = IncrementalUTF8Validator()

    /// Creates a validator for messages up to `maxMessageSize` bytes.
    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Checks one of NIO's frames (the compat stack).
    mutating func validate(_ frame: WebSocketFrame) -> Verdict {
        self.validate(InboundFrame(frame))
    }

    /// Checks one frame and unmasks its payload.
    ///
    /// The payload is unmasked in place when the frame holds the only reference to its bytes;
    /// otherwise `ByteBuffer`'s copy-on-write copies it once.
    mutating func validate(_ frame: InboundFrame) -> Verdict {
        if frame.hasReservedBits { return .violation(.reservedBits) }
        guard let maskKey = frame.maskKey else { return .violation(.unmaskedFrame) }
        var data = frame.payload
        data.webSocketUnmask(maskKey)
        switch frame.opcode {
        case .text, .binary:
            guard self.messageIsText == nil else { return .violation(.expectedContinuation) }
            return self.fragment(data, isText: frame.opcode == .text, isFirst: true, fin: frame.fin)
        case .continuation:
            guard let isText = self.messageIsText else { return .violation(.unexpectedContinuation) }
            return self.fragment(data, isText: isText, isFirst: false, fin: frame.fin)
        case .ping, .pong, .connectionClose:
            // The decoder checks these already; repeated here so the validator stands alone.
            guard frame.fin else { return .violation(.fragmentedControlFrame) }
            guard data.readableBytes <= 125 else { return .violation(.controlFrameTooLong) }
            switch frame.opcode {
            case .ping: return .ping(data)
            case .pong: return .pong(data)
            default: return Self.close(data)
            }
        default:
            return .violation(.reservedOpcode)
        }
    }

    private mutating func fragment(_ data: ByteBuffer, isText: Bool, isFirst: Bool, fin: Bool) -> Verdict {
        self.messageLength += data.readableBytes
        guard self.messageLength <= self.maxMessageSize else { return .violation(.messageTooBig) }
        if isText {
            guard self.utf8.feed(data), !fin || self.utf8.isComplete else { return .violation(.invalidUTF8) }
        }
        if fin {
            self.messageIsText = nil
            self.messageLength = 0
            self.utf8.reset()
        } else {
            self.messageIsText = isText
        }
        return .data(data, isText: isText, isFirst: isFirst, fin: fin)
    }

    private static func close(_ payload: ByteBuffer) -> Verdict {
        var payload = payload
        switch payload.readableBytes {
        case 0:
            return .close(WebSocketClose(code: nil))
        case 1:
            return .violation(.invalidCloseFrame)
        default:
            let code = payload.readInteger(as: UInt16.self)!
            guard WebSocketClose.isValidReceivedCode(code) else { return .violation(.invalidCloseCode) }
            var validator = IncrementalUTF8Validator()
            guard validator.feed(payload), validator.isComplete else { return .violation(.invalidCloseReason) }
            return .close(WebSocketClose(code: code, reason: String(buffer: payload)))
        }
    }
}
