import NIOCore
import NIOWebSocket

/// Writes the native stack's outbound frames as bytes: server frames, final and unmasked.
///
/// NIO's `WebSocketFrameEncoder` allocates a frame object and a separate header buffer per
/// message and sends them as two buffers; here a small message is one buffer, header and
/// payload together, and only a large one is two (header, then the payload without a copy).
/// A small message sent to many connections in a row is encoded once (``EncodedFrameCache``).
enum NativeFrameEncoder {
    /// Payloads up to this size are copied behind the header into one buffer; larger ones are
    /// written as they are, after a header buffer of their own.
    static let copyLimit = 16 << 10

    /// The bytes of one final, unmasked frame: one buffer, or a header and the payload.
    static func encode(
        opcode: WebSocketOpcode,
        payload: ByteBuffer,
        allocator: ByteBufferAllocator
    ) -> (head: ByteBuffer, payload: ByteBuffer?) {
        let length = payload.readableBytes
        let headerSize = length <= 125 ? 2 : (length <= 0xFFFF ? 4 : 10)
        let inline = length <= Self.copyLimit
        let cache = inline ? EncodedFrameCache.current : nil
        if let cached = cache?.frame(for: payload, opcode: opcode) { return (cached, nil) }
        var head = allocator.buffer(capacity: headerSize + (inline ? length : 0))
        head.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        switch headerSize {
        case 2:
            head.writeInteger(UInt8(length))
        case 4:
            head.writeInteger(UInt8(126))
            head.writeInteger(UInt16(length))
        default:
            head.writeInteger(UInt8(127))
            head.writeInteger(UInt64(length))
        }
        guard inline else { return (head, payload) }
        head.writeImmutableBuffer(payload)
        cache?.store(head, for: payload, opcode: opcode)
        return (head, nil)
    }
}
