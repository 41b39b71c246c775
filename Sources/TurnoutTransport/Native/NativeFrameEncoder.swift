import NIOCore
import NIOWebSocket

/// Writes the native stack's outbound frames as bytes: server frames, final and unmasked.
///
/// NIO's `WebSocketFrameEncoder` allocates a frame object and a separate header buffer per
/// message and sends them as two buffers. Here a frame is appended to the connection's
/// ``OutboundCork``: a small one whole, header and payload copied together; a large one only
/// its header, its payload then written as it is, without a copy.
enum NativeFrameEncoder {
    /// Payloads up to this size are copied behind their header; larger ones are written as they
    /// are. Copying a kilobyte costs less than the pipeline write and the iovec a second buffer
    /// needs, and a 640-byte audio frame fanned out to several apps stays one copy each.
    static let copyLimit = 1 << 10

    /// Appends one final, unmasked frame to `buffer`: header and payload when the payload is at
    /// most ``copyLimit`` bytes, else the header alone.
    ///
    /// - Returns: The payload, when it is to be written after `buffer` rather than copied.
    static func append(opcode: WebSocketOpcode, payload: ByteBuffer, to buffer: inout ByteBuffer) -> ByteBuffer? {
        let length = payload.readableBytes
        let inline = length <= Self.copyLimit
        buffer.reserveCapacity(minimumWritableBytes: 10 + (inline ? length : 0))
        buffer.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        switch length {
        case ...125:
            buffer.writeInteger(UInt8(length))
        case ...0xFFFF:
            buffer.writeInteger(UInt8(126))
            buffer.writeInteger(UInt16(length))
        default:
            buffer.writeInteger(UInt8(127))
            buffer.writeInteger(UInt64(length))
        }
        guard inline else { return payload }
        buffer.writeImmutableBuffer(payload)
        return nil
    }
}
