import NIOCore
package import NIOHTTP1
package import TurnoutCore

/// Why an upgrade request was refused, and the exact answer protocol.md gives for it.
///
/// NIO writes nothing for a refused upgrade, so the router records the refusal and the HTTP
/// handler sends it: the status and a JSON body, with `Content-Length` and `Connection: close`.
package struct UpgradeRefusal: Sendable, Hashable {
    /// What went wrong, for metrics (`turnout_upgrades_total{result}`) and tests.
    package enum Reason: String, Sendable, Hashable {
        /// No WebSocket endpoint at the path.
        case notFound = "not_found"
        /// `/glasses-ws` without a token.
        case missingToken = "missing_token"
        /// A token that did not verify.
        case invalidToken = "invalid_token"
        /// `/app-ws` JWT mode without `x-user-id` or `x-session-id`.
        case missingHeaders = "missing_headers"
        /// Not a valid WebSocket handshake: no `Sec-WebSocket-Key`, a version other than 13,
        /// or an upgrade after another request on the same connection.
        case badHandshake = "bad_handshake"
        /// A connection cap or the pending-upgrade cap was reached (503).
        case overCapacity = "over_capacity"
        /// The request head did not arrive in time (408).
        case requestTimeout = "request_timeout"
        /// The request head was too large (431).
        case headTooLarge = "head_too_large"
    }

    /// What went wrong.
    package var reason: Reason
    /// The HTTP status.
    package var status: HTTPResponseStatus
    /// The JSON body, exactly as the client library expects it.
    package var body: String
    /// The `Retry-After` header in seconds, for 503s; `nil` for no header.
    package var retryAfterSeconds: Int? = nil

    /// The response to write.
    package var response: HTTPResponse {
        HTTPResponse(
            status: status,
            body: body,
            closesConnection: true,
            extraHeaders: retryAfterSeconds.map { [("Retry-After", String($0))] } ?? []
        )
    }

    /// 404 for a path that is not a WebSocket endpoint.
    package static func notFound(path: String, at time: Timestamp) -> UpgradeRefusal {
        UpgradeRefusal(
            reason: .notFound,
            status: .notFound,
            body: body(type: "error", code: "NOT_FOUND", message: "No WebSocket endpoint at \(path)", at: time)
        )
    }

    /// 401 for `/glasses-ws`: `No core token provided` or `Invalid core token`.
    package static func glasses(_ reason: Reason, at time: Timestamp) -> UpgradeRefusal {
        let message = reason == .missingToken ? "No core token provided" : "Invalid core token"
        return UpgradeRefusal(reason: reason, status: .unauthorized, body: body(type: "connection_error", code: nil, message: message, at: time))
    }

    /// 401 for `/app-ws` JWT mode without the user or session header.
    package static func missingAppHeaders(at time: Timestamp) -> UpgradeRefusal {
        UpgradeRefusal(
            reason: .missingHeaders,
            status: .unauthorized,
            body: body(type: "tpa_connection_error", code: "MISSING_HEADERS", message: "Missing userId or sessionId in request headers", at: time)
        )
    }

    /// 401 for `/app-ws` JWT mode with a token that does not verify.
    package static func invalidAppToken(_ error: TokenError, at time: Timestamp) -> UpgradeRefusal {
        UpgradeRefusal(
            reason: .invalidToken,
            status: .unauthorized,
            body: body(type: "tpa_connection_error", code: "JWT_INVALID", message: "Invalid JWT token: \(error.reason)", at: time)
        )
    }

    /// 400 for a malformed handshake.
    package static func badHandshake(_ message: String, at time: Timestamp) -> UpgradeRefusal {
        UpgradeRefusal(reason: .badHandshake, status: .badRequest, body: body(type: "error", code: "BAD_HANDSHAKE", message: message, at: time))
    }

    /// `{"type":…,"code":…,"message":…,"timestamp":…}`, the shape of every refusal in protocol.md.
    static func body(type: String, code: String?, message: String, at time: Timestamp) -> String {
        var buffer = ByteBuffer()
        buffer.writeString(#"{"type":"#)
        buffer.writeJSONString(type)
        if let code {
            buffer.writeString(#","code":"#)
            buffer.writeJSONString(code)
        }
        buffer.writeString(#","message":"#)
        buffer.writeJSONString(message)
        buffer.writeString(#","timestamp":"#)
        buffer.writeJSONTimestamp(time)
        buffer.writeString("}")
        return String(buffer: buffer)
    }
}
