import NIOCore
import NIOWebSocket

/// A close code and reason, as sent or received in a close frame.
package struct WebSocketClose: Sendable, Hashable {
    /// The close code; `nil` for a close frame without payload.
    package var code: UInt16?
    /// The close reason; empty when the frame carried none.
    package var reason: String

    /// Creates a close record.
    package init(code: UInt16?, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    /// 1001 `Server shutting down`: sent on `ChannelShouldQuiesceEvent`.
    package static let serverShuttingDown = WebSocketClose(code: 1001, reason: "Server shutting down")
    /// 1008 `Slow consumer`: sent when a socket's queued text exceeds its bound.
    package static let slowConsumer = WebSocketClose(code: 1008, reason: "Slow consumer")

    /// The close frame's payload: the code in network byte order, then the UTF-8 reason
    /// (truncated on a scalar boundary to the 123 bytes a control frame allows).
    func payload(allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let code = self.code else { return allocator.buffer(capacity: 0) }
        var utf8 = Substring(self.reason)
        while utf8.utf8.count > 123 { utf8.removeLast() }
        var buffer = allocator.buffer(capacity: 2 + utf8.utf8.count)
        buffer.writeInteger(code)
        buffer.writeSubstring(utf8)
        return buffer
    }

    /// The close frame a server sends for this close (unmasked, final).
    func frame(allocator: ByteBufferAllocator) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .connectionClose, data: self.payload(allocator: allocator))
    }

    /// Whether a peer may send this code in a close frame (RFC 6455 section 7.4 and the IANA
    /// registry): 1000–1003, 1007–1014 and 3000–4999. 1004–1006 and 1015 must never be sent.
    static func isValidReceivedCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// The close that answers a framing error (NIO's `WebSocketFrameDecoder` on compat,
    /// ``NativeFrameParser`` on native): a frame longer than the connection's `maxMessageSize` is
    /// a 1009, a bad control frame a 1002. Both stacks call this, so NIO's automatic error
    /// handling must stay off.
    static func forDecoderError(_ error: NIOWebSocketError) -> WebSocketClose {
        switch error {
        case .invalidFrameLength: .messageTooBig
        case .fragmentedControlFrame: .fragmentedControlFrame
        case .multiByteControlFrameLength: .controlFrameTooLong
        }
    }

    // The reasons sent when the server fails a connection; both stacks send exactly these.
    static let messageTooBig = WebSocketClose(code: 1009, reason: "Message too big")
    static let invalidUTF8 = WebSocketClose(code: 1007, reason: "Invalid UTF-8")
    static let reservedBits = WebSocketClose(code: 1002, reason: "Reserved bits set")
    static let unmaskedFrame = WebSocketClose(code: 1002, reason: "Unmasked client frame")
    static let reservedOpcode = WebSocketClose(code: 1002, reason: "Reserved opcode")
    static let fragmentedControlFrame = WebSocketClose(code: 1002, reason: "Fragmented control frame")
    static let controlFrameTooLong = WebSocketClose(code: 1002, reason: "Control frame too long")
    static let unexpectedContinuation = WebSocketClose(code: 1002, reason: "Unexpected continuation frame")
    static let expectedContinuation = WebSocketClose(code: 1002, reason: "Expected continuation frame")
    static let invalidCloseFrame = WebSocketClose(code: 1002, reason: "Invalid close frame")
    static let invalidCloseCode = WebSocketClose(code: 1002, reason: "Invalid close code")
    static let invalidCloseReason = WebSocketClose(code: 1007, reason: "Invalid UTF-8 in close reason")
}
