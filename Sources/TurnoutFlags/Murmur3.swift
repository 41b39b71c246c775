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
            h1 ^= Self.scramble(pending)
            h1 = (h1 << 13) | (h1 >> 19)
            h1 = h1 &* 5 &+ 0xe654_6b64
            pending = 0
            pendingCount = 0
        }
    }

    /// Feeds a run of bytes.
    @inline(__always)
    package mutating func combine(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes {
            combine(byte)
        }
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
