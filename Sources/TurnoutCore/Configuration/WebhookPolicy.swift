/// How the core calls an app's webhook (`POST {publicUrl}/webhook`).
package struct WebhookPolicy: Sendable, Hashable {
    /// The deadline of one HTTP attempt, connect to last byte. Default 10 s.
    package var timeout: Duration
    /// How many attempts in all, at least 1. Default 2.
    package var attempts: Int
    /// The pause between two attempts. Default 1 s.
    package var retryDelay: Duration

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - timeout: The deadline of one attempt. Default 10 s.
    ///   - attempts: How many attempts in all; values below 1 count as 1. Default 2.
    ///   - retryDelay: The pause between attempts. Default 1 s.
    package init(timeout: Duration = .seconds(10), attempts: Int = 2, retryDelay: Duration = .seconds(1)) {
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.retryDelay = retryDelay
    }
}
