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
            let (scheme, rest) = Self.splitScheme(value)
            if scheme.lowercased() == "bearer", !rest.isEmpty {
                let token = rest.trimmingCharacters(in: .whitespaces)
                return token.isEmpty ? nil : token
            }
        }
        return nil
    }

    /// Whether an `Authorization` header names the Bearer scheme, with a token or without one
    /// (`Authorization: Bearer` alone is JWT mode of `/app-ws` with an empty token, not legacy mode).
    package var hasBearerAuthorization: Bool {
        headers["Authorization"].contains { Self.splitScheme($0).scheme.lowercased() == "bearer" }
    }

    /// An `Authorization` value's scheme and what follows it (from the first space on), split by
    /// Unicode scalars: compared as Characters, a space followed by a combining mark is not a
    /// space, and `Bearer \u{6EC}…` would lose its scheme and pass for no authorization at all.
    private static func splitScheme(_ value: String) -> (scheme: String, rest: String) {
        let scalars = value.unicodeScalars.drop { $0 == " " || $0 == "\t" }
        let scheme = scalars.prefix { $0 != " " }
        return (String(String.UnicodeScalarView(scheme)), String(String.UnicodeScalarView(scalars[scheme.endIndex...])))
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
