import JWTKit

/// Why a token was refused, in words safe to send to the client and to log.
///
/// The text never contains the token itself.
package struct TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A short reason, such as `signature verification failed`.
    package let reason: String

    package init(reason: String) {
        self.reason = reason
    }

    package var description: String { reason }

    /// Translates jwt-kit's errors into reasons a client developer can act on.
    static func from(_ error: any Error) -> TokenError {
        guard let jwtError = error as? JWTError else {
            if error is DecodingError {
                return TokenError(reason: "claims are missing or have the wrong type")
            }
            return TokenError(reason: "malformed token")
        }
        switch jwtError.errorType {
        case .signatureVerificationFailed:
            return TokenError(reason: "signature verification failed")
        case .claimVerificationFailure:
            return TokenError(reason: jwtError.reason.map { "claim verification failed: \($0)" } ?? "claim verification failed")
        case .malformedToken:
            return TokenError(reason: "malformed token")
        case .unsupportedAlgorithm, .signingAlgorithmFailure, .noKeyProvided, .unknownKID:
            return TokenError(reason: "unsupported algorithm; tokens are signed with HS256")
        default:
            return TokenError(reason: "invalid token")
        }
    }
}
