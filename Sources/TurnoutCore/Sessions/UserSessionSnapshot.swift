/// A point-in-time view of one user's session, for admin answers and tests.
package struct UserSessionSnapshot: Sendable, Hashable {
    /// Where the session is in its lifecycle.
    package enum Lifecycle: String, Sendable, Hashable {
        /// The glasses are connected.
        case active
        /// The glasses disconnected; the session lives until the grace ends.
        case grace
        /// The session is over.
        case ended
    }

    /// Where an app is in its lifecycle.
    package enum AppPhase: String, Sendable, Hashable {
        /// Started, waiting for init.
        case loading
        /// Initialised and connected.
        case running
        /// Dropped, inside its reconnect grace.
        case reconnecting
    }

    /// One started app.
    package struct App: Sendable, Hashable {
        /// The app's package name.
        package var packageName: String
        /// The app's phase.
        package var phase: AppPhase
        /// The app's subscriptions.
        package var subscriptions: SubscriptionSet
    }

    /// The user.
    package var userId: String
    /// The lifecycle.
    package var lifecycle: Lifecycle
    /// The glasses' LiveKit flag, from the latest glasses connection.
    package var livekit: Bool
    /// Whether the glasses were last told to enable the microphone.
    package var microphoneEnabled: Bool
    /// The started apps, in start order.
    package var apps: [App]
}
