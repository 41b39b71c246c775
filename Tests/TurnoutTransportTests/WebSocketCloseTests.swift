import NIOCore
import Testing

@testable import TurnoutTransport

/// A close record's wire form.
struct WebSocketCloseTests {
    @Test
    func closeReasonIsTruncatedOnAScalarBoundary() {
        let close = WebSocketClose(code: 1000, reason: String(repeating: "é", count: 100))
        let payload = close.payload(allocator: ByteBufferAllocator())
        #expect(payload.readableBytes == 2 + 122)
    }

    @Test
    func aCloseWithoutCodeHasNoPayload() {
        #expect(WebSocketClose(code: nil, reason: "ignored").payload(allocator: ByteBufferAllocator()).readableBytes == 0)
    }
}
