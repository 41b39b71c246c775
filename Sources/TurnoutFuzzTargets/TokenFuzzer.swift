import Crypto
import Foundation
import NIOHTTP1
import TurnoutCore

@testable import TurnoutTransport

/// The `jwt` target: the token path of the upgrade router, fed arbitrary bytes as the token of a
/// `/glasses-ws` upgrade (as `Authorization: Bearer` and as `?token=`) and of a JWT-mode `/app-ws`
/// upgrade.
///
/// Asserts, against an oracle written apart from jwt-kit (Foundation's base64 and JSON, and
/// swift-crypto's HMAC):
/// - a token refused by ``TokenShape`` is refused by the router;
/// - a rejected token never yields a user: an accepted glasses token is HS256, its signature is
///   the secret's HMAC of its first two parts, and the user is its `email` claim;
/// - an accepted app token is signed the same way and its credentials are its claims.
enum TokenFuzzer {
    static let key = SymmetricKey(data: Data(FuzzRouter.secret.utf8))

    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let token = String(decoding: bytes, as: UTF8.self)
        let encoded = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let requests = [
            request("/glasses-ws", headers: [("Authorization", "Bearer \(token)")]),
            request("/glasses-ws?token=\(encoded)"),
            request("/app-ws", headers: [("Authorization", "Bearer \(token)"), ("X-User-Id", "u@example.com"), ("X-Session-Id", "s")]),
        ]
        // Built here, outside the wait: its set-up waits for the token authority.
        let router = FuzzRouter.router
        let outcomes = waitFor {
            var outcomes: [UpgradeOutcome] = []
            for request in requests {
                outcomes.append(await router.route(request, remoteAddress: "127.0.0.1:1"))
            }
            return outcomes
        }
        let shapeIsValid = (try? TokenShape.check(token)) != nil
        for (request, outcome) in zip(requests, outcomes) {
            guard case .accept(let upgrade) = outcome else { continue }
            let seen = request.bearerToken ?? request.query["token"] ?? ""
            try check(shapeIsValid || seen != token, "the router accepted a token TokenShape refuses")
            guard let claims = self.signedClaims(seen) else {
                throw FuzzFailure("the router accepted \(request.path) with a token whose signature or algorithm is wrong")
            }
            if request.path == "/glasses-ws" {
                try check(
                    upgrade.identity.userId == claims["email"] as? String,
                    "the router's user \(String(describing: upgrade.identity.userId)) is not the token's email"
                )
            } else {
                try check(
                    upgrade.identity.appCredentials?.packageName == claims["packageName"] as? String
                        && upgrade.identity.appCredentials?.apiKey == claims["apiKey"] as? String,
                    "the router's app credentials are not the token's claims"
                )
            }
        }
    }

    static func request(_ uri: String, headers: [(String, String)] = []) -> UpgradeRequest {
        UpgradeRequest(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: HTTPHeaders(headers)))
    }

    /// The claims of a token whose header says HS256 and whose signature is the secret's HMAC of
    /// its first two parts; `nil` otherwise.
    static func signedClaims(_ token: String) -> [String: Any]? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = self.base64URL(parts[0]), let payload = self.base64URL(parts[1]),
            let signature = self.base64URL(parts[2]),
            let headerObject = try? JSONSerialization.jsonObject(with: header) as? [String: Any],
            headerObject["alg"] as? String == "HS256"
        else { return nil }
        let expected = HMAC<SHA256>.authenticationCode(for: Data("\(parts[0]).\(parts[1])".utf8), using: self.key)
        guard Data(expected) == signature else { return nil }
        return try? JSONSerialization.jsonObject(with: payload) as? [String: Any]
    }

    static func base64URL(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
