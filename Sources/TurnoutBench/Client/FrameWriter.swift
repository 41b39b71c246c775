import NIOCore
import NIOWebSocket

/// Builds the client's masked frames.
///
/// One masking key per connection (RFC 6455 asks for unpredictable keys against proxies; a
/// loopback bench has none). Nothing here allocates beyond the payload buffer itself.
struct FrameWriter {
    let maskKey: WebSocketMaskingKey

    init() {
        self.maskKey = .random()
    }

    /// A final text frame carrying `payload`.
    @inline(__always)
    func text(_ payload: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .text, maskKey: self.maskKey, data: payload)
    }

    /// A final binary frame carrying `payload`.
    @inline(__always)
    func binary(_ payload: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .binary, maskKey: self.maskKey, data: payload)
    }

    /// The pong answering a server ping.
    func pong(_ ping: WebSocketFrame) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: .pong, maskKey: self.maskKey, data: ping.unmaskedData)
    }

    /// The close answering a server's close: the same status code, as RFC 6455 §5.5.1 asks, so
    /// the server can finish its close handshake at once (a draining server waits for it).
    func closeReply(_ close: WebSocketFrame) -> WebSocketFrame {
        var data = ByteBuffer()
        if let code = close.closeCode { data.writeInteger(code) }
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: self.maskKey, data: data)
    }

    /// A normal close (1000).
    func close() -> WebSocketFrame {
        var data = ByteBuffer()
        data.writeInteger(UInt16(1000))
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: self.maskKey, data: data)
    }
}
