import Foundation
import JWTKit
package import TurnoutCore

/// Verifies and mints the HS256 tokens of protocol.md with one shared secret.
///
/// Only HS256 is accepted: `alg: none`, other algorithms, bad signatures, malformed tokens
/// (``TokenShape``), expired ones, and ones not yet valid are refused with a ``TokenError``.
package struct TokenAuthority: Sendable {
    private let keys: JWTKeyCollection

    /// The shortest secret HS256 may use: the hash's output size (RFC 7518 §3.2).
    package static let minimumSecretBytes = 32

    /// Creates an authority for `secret` (env `AUGMENTOS_AUTH_JWT_SECRET`).
    ///
    /// - Throws: ``TokenError`` when the secret is shorter than 32 bytes, which RFC 7518 forbids
    ///   for HS256 and jwt-kit refuses.
    package init(secret: String) async throws(TokenError) {
        guard secret.utf8.count >= Self.minimumSecretBytes else {
            throw TokenError(
                reason: "the JWT secret is \(secret.utf8.count) bytes; HS256 needs at least \(Self.minimumSecretBytes) (RFC 7518 §3.2)"
            )
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
    }

    /// Verifies a glasses token and returns its user: the `email` claim.
    package func verifyGlassesToken(_ token: String) async throws(TokenError) -> String {
        try TokenShape.check(token)
        let claims: GlassesTokenClaims
        do {
            claims = try await keys.verify(token, as: GlassesTokenClaims.self)
        } catch {
            throw TokenError.from(error)
        }
        guard let email = claims.email, !email.isEmpty else {
            throw TokenError(reason: "the token has no email claim")
        }
        return email
    }

    /// Verifies an app token and returns its `packageName` and `apiKey` claims.
    package func verifyAppToken(_ token: String) async throws(TokenError) -> AppCredentials {
        try TokenShape.check(token)
        do {
            let claims = try await keys.verify(token, as: AppTokenClaims.self)
            return AppCredentials(packageName: claims.packageName, apiKey: claims.apiKey)
        } catch {
            throw TokenError.from(error)
        }
    }

    /// Mints a glasses token for `email`, without expiry unless `expiresIn` is given.
    package func glassesToken(email: String, expiresIn: Duration? = nil) async throws -> String {
        try await keys.sign(GlassesTokenClaims(email: email, exp: expiresIn.map(Self.expiry(after:))))
    }

    /// Mints an app token for JWT mode.
    package func appToken(packageName: String, apiKey: String, expiresIn: Duration? = nil) async throws -> String {
        try await keys.sign(AppTokenClaims(packageName: packageName, apiKey: apiKey, exp: expiresIn.map(Self.expiry(after:))))
    }

    private static func expiry(after duration: Duration) -> ExpirationClaim {
        ExpirationClaim(value: .init(timeIntervalSinceNow: Double(duration.components.seconds)))
    }
}
