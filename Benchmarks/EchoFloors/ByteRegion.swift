import Glibc

/// A growable run of bytes in memory of its own, freed by hand (`free()`), so that the epoll floor
/// can hand regions back to a pool and reuse them without an allocation per message.
struct ByteRegion {
    private(set) var base: UnsafeMutableRawPointer?
    private(set) var count = 0
    private(set) var capacity = 0

    var isEmpty: Bool { count == 0 }
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Lets `write` fill up to `reserving` bytes after the end; it returns how many it wrote.
    mutating func append(reserving: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        if count + reserving > capacity {
            capacity = max(count + reserving, capacity * 2, 4096)
            base = realloc(base, capacity)
            guard base != nil else { fatalError("out of memory for a \(capacity)-byte buffer") }
        }
        count += write(UnsafeMutableRawBufferPointer(start: base! + count, count: reserving))
    }

    mutating func append(_ source: UnsafeRawBufferPointer) {
        append(reserving: source.count) { destination in
            destination.copyMemory(from: source)
            return source.count
        }
    }

    /// Drops the first `n` bytes, moving the rest to the start.
    mutating func removeFirst(_ n: Int) {
        if n < count, let base { base.copyMemory(from: base + n, byteCount: count - n) }
        count -= n
    }

    /// Empties the region and keeps its memory.
    mutating func removeAll() {
        count = 0
    }

    /// Gives the memory back; the region is empty and has none.
    mutating func free() {
        Glibc.free(base)
        self = ByteRegion()
    }
}
