/// MurmurHash3, x86 32-bit variant, fed incrementally.
///
/// Bucketing must give every process, every restart and every language the same answer for a
/// user, so it uses this fixed, seeded, well-specified hash rather than Swift's `Hasher`, which
/// is randomly seeded per process. Feeding bytes incrementally lets the store hash the
/// `salt + ":"` prefix once per snapshot and only the userId per decision, with no allocation.
package struct Murmur3 {
    private static let c1: UInt32 = 0xcc9e_2d51
    private static let c2: UInt32 = 0x1b87_3593

    private var h1: UInt32
    private var pending: UInt32 = 0
    private var pendingCount: UInt32 = 0
    private var length: UInt32 = 0

    /// Starts a hash with `seed` (Turnout uses 0).
    package init(seed: UInt32 = 0) {
        self.h1 = seed
    }

    /// Feeds one byte.
    @inline(__always)
    package mutating func combine(_ byte: UInt8) {
        pending |= UInt32(byte) << (pendingCount &* 8)
        pendingCount &+= 1
        length &+= 1
        if pendingCount == 4 {
            mixBlock(pending)
            pending = 0
            pendingCount = 0
        }
    }

    /// Feeds a run of bytes, four at a time where it can.
    ///
    /// - Returns: The bitwise OR of every byte fed, so a caller can tell ASCII input (`< 0x80`)
    ///   without a second pass.
    @inline(__always)
    @discardableResult
    package mutating func combine(_ bytes: UnsafeRawBufferPointer) -> UInt8 {
        var seen: UInt32 = 0
        var offset = 0
        let count = bytes.count
        if pendingCount == 0 {
            while offset + 4 <= count {
                let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                seen |= word
                mixBlock(word)
                offset += 4
            }
        } else {
            // Earlier bytes left a partial block: splice each word across the boundary.
            let shift = pendingCount &* 8
            while offset + 4 <= count {
                let word = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
                seen |= word
                mixBlock(pending | (word << shift))
                pending = word >> (32 &- shift)
                offset += 4
            }
        }
        length &+= UInt32(truncatingIfNeeded: offset)
        var tail = UInt8(truncatingIfNeeded: seen | seen >> 8 | seen >> 16 | seen >> 24)
        while offset < count {
            let byte = bytes[offset]
            tail |= byte
            combine(byte)
            offset += 1
        }
        return tail
    }

    @inline(__always)
    private mutating func mixBlock(_ block: UInt32) {
        h1 ^= Self.scramble(block)
        h1 = (h1 << 13) | (h1 >> 19)
        h1 = h1 &* 5 &+ 0xe654_6b64
    }

    /// The hash of everything fed so far; the hasher itself is unchanged.
    package func finalize() -> UInt32 {
        var hash = h1
        if pendingCount > 0 {
            hash ^= Self.scramble(pending)
        }
        hash ^= length
        hash ^= hash >> 16
        hash = hash &* 0x85eb_ca6b
        hash ^= hash >> 13
        hash = hash &* 0xc2b2_ae35
        hash ^= hash >> 16
        return hash
    }

    /// The hash of a whole byte sequence.
    package static func hash(_ bytes: some Sequence<UInt8>, seed: UInt32 = 0) -> UInt32 {
        var hasher = Murmur3(seed: seed)
        for byte in bytes {
            hasher.combine(byte)
        }
        return hasher.finalize()
    }

    @inline(__always)
    private static func scramble(_ k: UInt32) -> UInt32 {
        var k = k &* c1
        k = (k << 15) | (k >> 17)
        return k &* c2
    }
}
