import Crypto
import Foundation
import Testing

/// A hostile token for one endpoint, built byte for byte and signed with the server's secret
/// where the attack needs a valid signature.
struct HostileToken: Sendable, CustomTestStringConvertible {
    /// The endpoint a token is made for: its valid claims differ.
    enum Audience: Sendable {
        case glasses
        case app

        /// Valid claims, as JSON members without braces.
        var claims: String {
            switch self {
            case .glasses: #""email":"mallory@example.com""#
            case .app: #""packageName":"com.example.notes","apiKey":"\#(TestServer.apiKey)""#
            }
        }
    }

    var name: String
    /// The app refusal's reason (`Invalid JWT token: <reason>`).
    var appReason: String
    /// Whether `/glasses-ws` sees no token at all (`No core token provided`).
    var absentForGlasses = false
    /// Makes the token for an audience.
    var make: @Sendable (Audience) -> String

    var testDescription: String { name }

    static let hs256 = #"{"alg":"HS256","typ":"JWT"}"#

    static func base64URL(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// `header.payload.signature`, HMAC-SHA256 signed with the test server's secret.
    static func signed(header: String = hs256, payload: String) -> String {
        let input = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
        let key = SymmetricKey(data: Array(TestServer.secret.utf8))
        return input + "." + base64URL(HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: key))
    }

    static func valid(_ audience: Audience, extra: String = "") -> String {
        signed(payload: "{" + audience.claims + extra + "}")
    }

    static func replacingPart(_ index: Int, of token: String, with part: String) -> String {
        var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        parts[index] = part
        return parts.joined(separator: ".")
    }

    static var now: Int { Int(Date().timeIntervalSince1970) }

    static let all: [HostileToken] = [
        .init(name: "alg none, no signature", appReason: "malformed token") { audience in
            base64URL(Array(#"{"alg":"none","typ":"JWT"}"#.utf8)) + "." + base64URL(Array("{\(audience.claims)}".utf8)) + "."
        },
        .init(name: "alg none, HMAC signature", appReason: "unsupported algorithm; tokens are signed with HS256") { audience in
            signed(header: #"{"alg":"none","typ":"JWT"}"#, payload: "{\(audience.claims)}")
        },
        .init(name: "RS256 with the HMAC secret as the public key", appReason: "unsupported algorithm; tokens are signed with HS256") { audience in
            signed(header: #"{"alg":"RS256","typ":"JWT"}"#, payload: "{\(audience.claims)}")
        },
        .init(name: "ES256 with the HMAC secret as the public key", appReason: "unsupported algorithm; tokens are signed with HS256") { audience in
            signed(header: #"{"alg":"ES256","typ":"JWT"}"#, payload: "{\(audience.claims)}")
        },
        .init(name: "expired", appReason: "claim verification failed: expired") { audience in
            valid(audience, extra: #","exp":\#(now - 3_600)"#)
        },
        .init(name: "nbf in the future", appReason: "claim verification failed: too soon") { audience in
            valid(audience, extra: #","nbf":\#(now + 3_600)"#)
        },
        .init(name: "iat far in the future", appReason: "claim verification failed: issued in the future") { audience in
            valid(audience, extra: #","iat":\#(now + 10 * 365 * 86_400)"#)
        },
        .init(name: "8 KiB, validly signed", appReason: "the token is longer than 4096 bytes") { audience in
            valid(audience, extra: #","pad":"\#(String(repeating: "a", count: 6_200))""#)
        },
        .init(name: "padded signature", appReason: "malformed token") { audience in valid(audience) + "=" },
        .init(name: "padded header", appReason: "malformed token") { audience in
            replacingPart(0, of: valid(audience), with: base64URL(Array(hs256.utf8)) + "==")
        },
        .init(name: "bad base64 in the header", appReason: "malformed token") { audience in
            replacingPart(0, of: valid(audience), with: "eyJhbGciOi!!")
        },
        .init(name: "bad base64 in the payload", appReason: "malformed token") { audience in
            replacingPart(1, of: valid(audience), with: "e*J")
        },
        .init(name: "bad base64 in the signature", appReason: "malformed token") { audience in
            replacingPart(2, of: valid(audience), with: "c2ln~")
        },
        .init(name: "a signature of impossible length", appReason: "malformed token") { audience in
            replacingPart(2, of: valid(audience), with: "abcde")
        },
        .init(name: "a wrong signature", appReason: "signature verification failed") { audience in
            replacingPart(2, of: valid(audience), with: base64URL([UInt8](repeating: 7, count: 32)))
        },
        .init(name: "duplicate keys in the payload", appReason: "the token repeats the member 'apiKey'") { audience in
            // Signed, so only a holder of the secret could make it; refused so that no two
            // parsers can disagree on who it names.
            switch audience {
            case .glasses: valid(audience, extra: #","email":"victim@example.com""#)
            case .app: valid(audience, extra: #","apiKey":"other-key""#)
            }
        },
        .init(name: "email or apiKey not a string", appReason: "malformed token") { audience in
            switch audience {
            case .glasses: signed(payload: #"{"email":42}"#)
            case .app: signed(payload: #"{"packageName":"com.example.notes","apiKey":42}"#)
            }
        },
        .init(name: "empty Bearer", appReason: "the Bearer token is empty", absentForGlasses: true) { _ in "" },
    ]
}
