/// An error the core reports to an app as `tpa_connection_error`, followed by a close.
///
/// The codes and messages are fixed by protocol.md. Equality compares the code only, so
/// `error == .malformedMessage("anything")` matches every malformed-message error.
package struct AppConnectionError: Error, Hashable, CustomStringConvertible {
    private enum Code: String, Hashable {
        case sessionNotFound = "SESSION_NOT_FOUND"
        case invalidAPIKey = "INVALID_API_KEY"
        case appNotStarted = "APP_NOT_STARTED"
        case malformedMessage = "MALFORMED_MESSAGE"
        case internalError = "INTERNAL_ERROR"
    }

    private let base: Code
    /// The human-readable message: the `message` field, and the close reason.
    package let message: String

    private init(_ base: Code, _ message: String) {
        self.base = base
        self.message = message
    }

    /// No session exists for the user: `SESSION_NOT_FOUND`, `Session not found`.
    package static let sessionNotFound = AppConnectionError(.sessionNotFound, "Session not found")
    /// The package is unknown or the API key's SHA-256 does not match: `INVALID_API_KEY`, `Invalid API key`.
    package static let invalidAPIKey = AppConnectionError(.invalidAPIKey, "Invalid API key")
    /// The app is not loading, running or in its reconnect grace for this user: `APP_NOT_STARTED`.
    package static let appNotStarted = AppConnectionError(.appNotStarted, "App not started for this session")

    /// A message the app sent is not what the protocol allows: `MALFORMED_MESSAGE` with a reason.
    ///
    /// - Parameter reason: A short sentence for the app's developer; also the close reason.
    package static func malformedMessage(_ reason: String) -> AppConnectionError {
        AppConnectionError(.malformedMessage, reason)
    }

    /// The core failed in a way the app cannot fix: `INTERNAL_ERROR`, closed with 1011.
    package static func internalError(_ reason: String) -> AppConnectionError {
        AppConnectionError(.internalError, reason)
    }

    /// The wire code, such as `SESSION_NOT_FOUND`.
    package var code: String { self.base.rawValue }

    /// The close code that follows the error: 1011 for `INTERNAL_ERROR`, 1008 for every other code.
    package var closeCode: UInt16 {
        self.base == .internalError ? CloseCode.internalError : CloseCode.policyViolation
    }

    package var description: String { "\(self.base.rawValue): \(self.message)" }

    package static func == (lhs: AppConnectionError, rhs: AppConnectionError) -> Bool {
        lhs.base == rhs.base
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.base)
    }
}
