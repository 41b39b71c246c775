import NIOCore
import NIOWebSocket

/// The native stack's outbound frames since the last flush, in one buffer.
///
/// Each frame written through the pipeline on its own costs a `NIOAny`, a hop to the head
/// handler, a pending-write entry and an iovec; a broadcast to 16 sockets paid that 16 times per
/// message (perf, docs/benchmarks.md). Corked, the frames of one loop pass are copied into one
/// buffer that goes down the pipeline once, at the flush. The buffer comes from the loop's
/// ``CorkBufferPool`` and goes back to it once the socket has taken every byte, so steady traffic
/// allocates nothing per message, and an idle connection holds no buffer at all.
///
/// Lives on one connection's event loop; a value, not thread-safe.
struct OutboundCork {
    /// Bytes corked beyond this go down the pipeline at once, flushed or not, so that the
    /// channel's write-buffer water marks, and with them the backpressure, still see them.
    static let limit = 16 << 10

    private var buffer: ByteBuffer?
    private let pool: CorkBufferPool

    /// Creates an empty cork drawing on `pool`, the pool of the connection's event loop.
    init(pool: CorkBufferPool) {
        self.pool = pool
    }

    /// Bytes corked now.
    var count: Int { self.buffer?.readableBytes ?? 0 }

    /// Appends one frame.
    ///
    /// - Returns: A payload too large to copy (see ``NativeFrameEncoder/copyLimit``): take the
    ///   cork, then write the payload after it.
    mutating func append(opcode: WebSocketOpcode, payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        if self.buffer == nil { self.buffer = self.pool.take(allocator: allocator) }
        return NativeFrameEncoder.append(opcode: opcode, payload: payload, to: &self.buffer!)
    }

    /// The corked bytes, leaving the cork empty; `nil` when nothing is corked.
    mutating func take() -> ByteBuffer? {
        defer { self.buffer = nil }
        return self.buffer
    }

    /// Hands a buffer from ``take()`` back to the pool, if the socket has let go of it.
    func recycle(_ buffer: inout ByteBuffer) {
        self.pool.recycle(&buffer)
    }

    /// Drops what is corked (the socket is gone), keeping the buffer for the next connection.
    mutating func discard() {
        guard var buffer = self.take() else { return }
        self.pool.recycle(&buffer)
    }
}
