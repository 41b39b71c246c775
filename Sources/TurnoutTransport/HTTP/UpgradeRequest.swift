import Foundation
package import NIOHTTP1

/// The parts of an upgrade request the router reads: path, query and a few headers.
package struct UpgradeRequest: Sendable {
    /// The path without the query, e.g. `/glasses-ws`.
    package var path: String
    /// The query parameters, percent-decoded; the first value wins when a name repeats.
    package var query: [String: String]
    /// The request headers.
    package var headers: HTTPHeaders

    /// Splits a request head into path and query.
    package init(head: HTTPRequestHead) {
        let components = URLComponents(string: head.uri)
        self.path = components?.percentEncodedPath ?? head.uri
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] where query[item.name] == nil {
            query[item.name] = item.value ?? ""
        }
        self.query = query
        self.headers = head.headers
    }

    /// The token of an `Authorization: Bearer <token>` header, if there is one.
    package var bearerToken: String? {
        for value in headers["Authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                return token.isEmpty ? nil : token
            }
        }
        return nil
    }

    /// Whether an `Authorization` header names the Bearer scheme, with a token or without one
    /// (`Authorization: Bearer` alone is JWT mode of `/app-ws` with an empty token, not legacy mode).
    package var hasBearerAuthorization: Bool {
        headers["Authorization"].contains { value in
            let scheme = value.trimmingCharacters(in: .whitespaces).prefix { $0 != " " }
            return scheme.lowercased() == "bearer"
        }
    }

    /// A non-empty header value.
    package func header(_ name: String) -> String? {
        guard let value = headers.first(name: name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// Whether the request asks for a WebSocket upgrade at all.
    package var asksForUpgrade: Bool {
        headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
    }
}
