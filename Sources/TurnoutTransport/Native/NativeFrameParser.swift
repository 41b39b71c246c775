import NIOCore
import NIOWebSocket

/// Splits the native stack's inbound bytes into RFC 6455 frames.
///
/// It does what NIO's `ByteToMessageHandler(WebSocketFrameDecoder)` does for the compat stack,
/// with the same checks at the same moment: once a frame's length is known, a frame longer than
/// `maxFrameSize`, a fragmented control frame and a control frame over 125 bytes fail with the
/// same `NIOWebSocketError`s, before the payload arrives. What it saves per frame is the frame
/// object, a pipeline hop with its dynamic cast, and the decoder's cumulation bookkeeping: a
/// payload is a slice of the bytes that were read, and only an unfinished frame's bytes are kept.
///
/// Lives on one connection's event loop; a value, not thread-safe.
struct NativeFrameParser {
    /// The largest payload of one frame.
    let maxFrameSize: Int
    /// Bytes of a frame that has not fully arrived.
    private var pending: ByteBuffer?

    /// Creates a parser that refuses frames longer than `maxFrameSize` bytes.
    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    /// Adds bytes read from the socket; take the frames with ``nextFrame()``.
    mutating func append(_ bytes: ByteBuffer) {
        if self.pending == nil {
            self.pending = bytes
        } else {
            var bytes = bytes
            // Only the unfinished frame is kept: without this, a stream whose reads end mid-frame
            // would grow the buffer by every byte it ever sent.
            self.pending!.discardReadBytes()
            self.pending!.writeBuffer(&bytes)
        }
    }

    /// The capacity of the buffer held between reads (0 when none is held).
    var heldCapacity: Int { self.pending?.capacity ?? 0 }

    /// The next complete frame, or `nil` until more bytes arrive.
    ///
    /// - Throws: `NIOWebSocketError` for a frame no decoder may accept; the connection is then
    ///   failed, and later bytes mean nothing.
    mutating func nextFrame() throws(NIOWebSocketError) -> InboundFrame? {
        guard var bytes = self.pending else { return nil }
        let frame: InboundFrame?
        do {
            frame = try Self.parse(&bytes, maxFrameSize: self.maxFrameSize)
        } catch {
            // The connection is failing; what follows the bad header means nothing.
            self.pending = nil
            throw error
        }
        // Drop the reference once everything is consumed, so an idle connection holds no buffer.
        self.pending = bytes.readableBytes == 0 ? nil : bytes
        return frame
    }

    /// Parses one frame from the front of `bytes`, moving the reader index past it; leaves `bytes`
    /// untouched when the frame is incomplete.
    static func parse(_ bytes: inout ByteBuffer, maxFrameSize: Int) throws(NIOWebSocketError) -> InboundFrame? {
        let start = bytes.readerIndex
        guard let first = bytes.getInteger(at: start, as: UInt8.self),
            let second = bytes.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        var offset = start + 2
        var length: Int
        switch second & 0x7F {
        case 126:
            guard let word = bytes.getInteger(at: offset, as: UInt16.self) else { return nil }
            length = Int(word)
            offset += 2
        case 127:
            guard let quad = bytes.getInteger(at: offset, as: UInt64.self) else { return nil }
            guard quad <= UInt64(Int.max) else { throw .invalidFrameLength }
            length = Int(quad)
            offset += 8
        case let short:
            length = Int(short)
        }
        let fin = first & 0x80 != 0
        let isControl = first & 0x08 != 0
        // NIO's order: length first, then the control-frame rules.
        if length > maxFrameSize { throw .invalidFrameLength }
        if isControl && !fin { throw .fragmentedControlFrame }
        if isControl && length > 125 { throw .multiByteControlFrameLength }

        var maskKey: WebSocketMaskingKey?
        if second & 0x80 != 0 {
            guard bytes.writerIndex - offset >= 4 else { return nil }
            maskKey = WebSocketMaskingKey(bytes.readableBytesView[offset..<offset + 4])
            offset += 4
        }
        guard let payload = bytes.getSlice(at: offset, length: length) else { return nil }
        bytes.moveReaderIndex(to: offset + length)
        return InboundFrame(
            fin: fin,
            hasReservedBits: first & 0x70 != 0,
            opcode: WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F)!,
            maskKey: maskKey,
            payload: payload
        )
    }
}
