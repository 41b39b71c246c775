import TurnoutCore

/// The bearer token the admin port requires beyond loopback (`TURNOUT_ADMIN_TOKEN`), checked in
/// constant time.
///
/// `==` on strings returns at the first differing byte, so the time an answer takes tells an
/// attacker how long a prefix of their guess was right, and the token can be recovered one byte
/// at a time. Here both tokens are hashed with SHA-256 first and the two 32-byte digests are
/// compared with ``constantTimeEquals(_:_:)``: the work is the same whatever the guess, and its
/// length does not show either.
struct AdminToken: Sendable {
    private let digest: [UInt8]

    /// Keeps only the token's digest.
    init(_ token: String) {
        self.digest = APIKeyDigest(hashing: token).bytes
    }

    /// Whether `presented` is the token; `nil` (no `Authorization: Bearer`) never is.
    func accepts(_ presented: String?) -> Bool {
        // Hash even when nothing was presented, so a missing header takes the same time.
        let candidate = APIKeyDigest(hashing: presented ?? "").bytes
        return Self.constantTimeEquals(digest, candidate) && presented != nil
    }

    /// Whether `a` and `b` are equal, looking at every byte whatever the differences: the
    /// differences are OR-ed together and tested once, with no early exit. Arrays of different
    /// lengths are unequal (the digests compared here are always 32 bytes).
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices {
            difference |= a[index] ^ b[index]
        }
        return difference == 0
    }
}
