import NIOCore
import NIOPosix

/// The free buffers of one event loop's ``OutboundCork``s.
///
/// A connection takes a buffer when it first writes in a loop pass and gives it back after the
/// flush if the socket took every byte (nobody else holds it then). So a loop needs about as many
/// buffers as connections it writes to in one pass, and an idle connection holds none: the cost
/// of a connection at rest stays at zero, where a buffer per connection would be a kilobyte each.
final class CorkBufferPool {
    /// Buffers kept at most; more than a pass's worth is memory held for nothing.
    static let maximumCount = 64
    /// The capacity of a new buffer: a few small frames.
    static let initialCapacity = 1 << 10
    /// A buffer that grew past this (a burst to one socket) is freed rather than kept.
    static let maximumKeptCapacity = 64 << 10

    private var free: [ByteBuffer] = []

    /// The pool of the calling thread: each event loop has its own thread, so its own pool.
    static var current: CorkBufferPool {
        if let pool = Self.perThread.currentValue { return pool }
        let pool = CorkBufferPool()
        Self.perThread.currentValue = pool
        return pool
    }

    // Each thread reads and writes only its own value, so the variable is shared but the pools
    // never are.
    private nonisolated(unsafe) static let perThread = ThreadSpecificVariable<CorkBufferPool>()

    /// A cleared buffer: a kept one, or a new one from `allocator`.
    func take(allocator: ByteBufferAllocator) -> ByteBuffer {
        self.free.popLast() ?? allocator.buffer(capacity: Self.initialCapacity)
    }

    /// Keeps `buffer` for reuse if nothing else references it and it is not oversized.
    func recycle(_ buffer: inout ByteBuffer) {
        guard self.free.count < Self.maximumCount, buffer.capacity <= Self.maximumKeptCapacity else { return }
        let unique = buffer.modifyIfUniquelyOwned { buffer in buffer.clear() } != nil
        if unique { self.free.append(buffer) }
    }

    /// Buffers kept now (tests).
    var count: Int { self.free.count }
}
