import Foundation
import JWTKit

/// The claims of a glasses token: the user's email, and the optional time claims.
///
/// Tokens of the existing system carry no `exp`; when one is present it is enforced.
struct GlassesTokenClaims: JWTPayload {
    var email: String?
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?

    init(email: String?, exp: ExpirationClaim?) {
        self.email = email
        self.exp = exp
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try TokenTimeClaims.verify(exp: exp, nbf: nbf, iat: iat)
    }
}

/// The claims of an app token (JWT mode of `/app-ws`).
struct AppTokenClaims: JWTPayload {
    var packageName: String
    var apiKey: String
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var iat: IssuedAtClaim?

    init(packageName: String, apiKey: String, exp: ExpirationClaim?) {
        self.packageName = packageName
        self.apiKey = apiKey
        self.exp = exp
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try TokenTimeClaims.verify(exp: exp, nbf: nbf, iat: iat)
    }
}

/// The time claims of RFC 7519 §4.1, each optional and enforced when present.
///
/// protocol.md makes `exp` optional and enforced if present. Turnout applies the same rule to
/// `nbf` (RFC 7519 §4.1.5: the token must not be accepted before it) and refuses a token whose
/// `iat` lies in the future, since no honest issuer dates a token ahead and such a token would
/// otherwise count as valid forever. Both allow ``clockSkew`` for issuers whose clock runs ahead.
enum TokenTimeClaims {
    /// How far ahead of this server's clock `nbf` and `iat` may be: 60 s.
    static let clockSkew: TimeInterval = 60

    static func verify(exp: ExpirationClaim?, nbf: NotBeforeClaim?, iat: IssuedAtClaim?, now: Date = Date()) throws {
        try exp?.verifyNotExpired(currentDate: now)
        try nbf?.verifyNotBefore(currentDate: now.addingTimeInterval(clockSkew))
        if let iat, iat.value > now.addingTimeInterval(clockSkew) {
            throw JWTError.claimVerificationFailure(failedClaim: iat, reason: "issued in the future")
        }
    }
}
