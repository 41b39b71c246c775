import Foundation

/// Maps a user to one of 10,000 buckets, the same way on every machine and in every release.
///
/// `bucket = (UInt64(murmur3_x86_32(utf8(NFC(salt + ":" + userId)), seed: 0)) × 10000) >> 32`
///
/// A user is on native when `bucket < percentage.hundredths`, so raising the percentage only ever
/// adds users (ramping is nested) and the granularity is 0.01 %. The formula is fixed by
/// `../shared/bucketing-vectors.json`, computed by an independent implementation.
public enum Bucketing {
    /// The number of buckets; a percentage in hundredths is compared directly with a bucket.
    public static let bucketCount = 10_000

    /// The bucket of `userId` under `salt`.
    public static func bucket(salt: String, userId: String) -> Int {
        SaltedHasher(salt: salt).bucket(userId: userId)
    }

    /// Maps a 32-bit hash onto `0..<bucketCount` by multiply-and-shift, which keeps buckets
    /// equally likely, unlike a modulo.
    @inline(__always)
    static func bucket(forHash hash: UInt32) -> Int {
        Int((UInt64(hash) &* UInt64(bucketCount)) >> 32)
    }

    /// NFC form of `text`. ASCII is already NFC, so the common case costs one scan and no allocation.
    static func nfc(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            return text
        }
        return text.precomposedStringWithCanonicalMapping
    }
}

/// A murmur3 state that has already consumed `NFC(salt) + ":"`.
///
/// `":"` is a starter that composes with nothing, so `NFC(salt + ":" + id)` equals
/// `NFC(salt) + ":" + NFC(id)` and the prefix can be hashed once per snapshot.
struct SaltedHasher: Sendable {
    private let prefix: Murmur3

    init(salt: String) {
        var hasher = Murmur3()
        for byte in Bucketing.nfc(salt).utf8 {
            hasher.combine(byte)
        }
        hasher.combine(UInt8(ascii: ":"))
        self.prefix = hasher
    }

    /// The bucket of a user; allocation-free for ASCII ids.
    @inline(__always)
    func bucket(userId: String) -> Int {
        Bucketing.bucket(forHash: hash(userId: userId))
    }

    /// The salted murmur3 of a user. ASCII ids are hashed in place; others are NFC-normalised first.
    @inline(__always)
    func hash(userId: String) -> UInt32 {
        var hasher = prefix
        var userId = userId
        let seen = userId.withUTF8 { hasher.combine(UnsafeRawBufferPointer($0)) }
        if seen < 0x80 {
            return hasher.finalize()
        }
        hasher = prefix
        var normalized = userId.precomposedStringWithCanonicalMapping
        normalized.withUTF8 { _ = hasher.combine(UnsafeRawBufferPointer($0)) }
        return hasher.finalize()
    }
}
