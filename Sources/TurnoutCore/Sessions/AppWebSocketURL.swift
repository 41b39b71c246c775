import NIOConcurrencyHelpers

/// The public `/app-ws` URL that `session_request` webhooks carry, settable once the public port
/// is bound.
///
/// A server on port 0 (tests, `turnout bench --spawn`) learns its port only when the socket is
/// bound, after the core exists; the server sets the URL before it accepts the first connection,
/// so no webhook ever carries the placeholder. Read once per webhook, never per message.
final class AppWebSocketURL: Sendable {
    private let value: NIOLockedValueBox<String>

    init(_ initial: String) {
        self.value = NIOLockedValueBox(initial)
    }

    /// The URL in force.
    var current: String {
        self.value.withLockedValue { $0 }
    }

    /// Replaces the URL.
    func set(_ url: String) {
        self.value.withLockedValue { $0 = url }
    }
}
