import Testing

@testable import TurnoutServer

/// `TURNOUT_ADMIN_TOKEN` is checked on SHA-256 digests compared byte by byte in constant time.
@Suite("Admin token")
struct AdminTokenTests {
    @Test(
        "only the exact token is accepted",
        arguments: [
            ("s3cret-admin-token", true),
            ("s3cret-admin-tokeN", false),
            ("s3cret-admin-toke", false),
            ("s3cret-admin-token ", false),
            ("", false),
        ]
    )
    func accepts(presented: String, accepted: Bool) {
        #expect(AdminToken("s3cret-admin-token").accepts(presented) == accepted)
    }

    @Test("no bearer at all is refused")
    func missing() {
        #expect(!AdminToken("s3cret-admin-token").accepts(nil))
    }

    @Test(
        "the constant-time comparison",
        arguments: [([UInt8]([1, 2, 3]), [UInt8]([1, 2, 3]), true), ([1, 2, 3], [1, 2, 4], false), ([1, 2], [1, 2, 3], false)]
    )
    func comparison(a: [UInt8], b: [UInt8], equal: Bool) {
        #expect(AdminToken.constantTimeEquals(a, b) == equal)
    }
}
