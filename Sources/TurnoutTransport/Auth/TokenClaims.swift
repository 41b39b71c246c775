import JWTKit

/// The claims of a glasses token: the user's email, and an optional expiry.
///
/// Tokens of the existing system carry no `exp`; when one is present it is enforced.
struct GlassesTokenClaims: JWTPayload {
    var email: String?
    var exp: ExpirationClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp?.verifyNotExpired()
    }
}

/// The claims of an app token (JWT mode of `/app-ws`).
struct AppTokenClaims: JWTPayload {
    var packageName: String
    var apiKey: String
    var exp: ExpirationClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp?.verifyNotExpired()
    }
}
