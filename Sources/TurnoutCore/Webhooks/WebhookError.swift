/// Why one webhook attempt failed.
///
/// Equality compares the kind of failure only.
package struct WebhookError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
        case badStatus
        case timeout
        case connectionFailed
        case invalidURL
    }

    private let code: Code
    /// A sentence for logs.
    package let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The app answered with a status outside 200...299.
    package static func badStatus(_ status: Int) -> WebhookError {
        WebhookError(.badStatus, "the webhook answered with HTTP status \(status)")
    }

    /// The attempt did not complete within the policy's timeout.
    package static let timeout = WebhookError(.timeout, "the webhook did not answer in time")

    /// The connection could not be made or broke (refused, reset, DNS failure and so on).
    package static func connectionFailed(_ detail: String) -> WebhookError {
        WebhookError(.connectionFailed, "the webhook could not be reached: \(detail)")
    }

    /// The app's `publicUrl` does not make a valid URL.
    package static func invalidURL(_ url: String) -> WebhookError {
        WebhookError(.invalidURL, "the webhook URL is not valid: \(url)")
    }

    package var description: String { self.message }

    package static func == (lhs: WebhookError, rhs: WebhookError) -> Bool {
        lhs.code == rhs.code
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(self.code)
    }
}
