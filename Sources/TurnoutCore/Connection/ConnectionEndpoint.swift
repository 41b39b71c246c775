/// Which WebSocket endpoint a connection came in on.
///
/// The raw value is the label used in metrics, logs and admin answers.
package enum ConnectionEndpoint: String, Sendable, Hashable, CaseIterable {
    /// `GET /glasses-ws`: the phone app that carries the user's glasses.
    case glasses
    /// `GET /app-ws`: a third-party app serving one user.
    case app
}
