/// The core's tunables; `CoreConfiguration()` is the protocol's production setup.
///
/// Every duration is a `Duration`; every field has the default that protocol.md names.
package struct CoreConfiguration: Sendable {
    /// How long a user's session outlives its glasses socket. Default 60 s.
    ///
    /// A glasses reconnect within this time continues the same session with its apps and
    /// subscriptions; at expiry every app gets `app_stopped` and close 1000 `User session ended`.
    package var glassesGracePeriod: Duration
    /// How long an app that dropped (closed other than by stop) has to come back with init. Default 5 s.
    ///
    /// After that the app is restarted through its webhook.
    package var appReconnectGracePeriod: Duration
    /// How long an app has to complete init after its start (or restart). Default 5 s.
    ///
    /// Otherwise the start fails, is logged, and the app is forgotten.
    package var appInitDeadline: Duration
    /// Pings and pong timeouts for every connection. Default ``HeartbeatPolicy/standard``.
    package var heartbeat: HeartbeatPolicy
    /// Webhook timeout and retries. Default ``WebhookPolicy/init(timeout:attempts:retryDelay:)`` with 10 s, 2 attempts, 1 s.
    package var webhook: WebhookPolicy
    /// This server's public `/app-ws` URL, put into `session_request` webhooks. Default `ws://localhost:8002/app-ws`.
    ///
    /// The core appends `?userId=<percent-encoded userId>` (or `&userId=` when the URL already
    /// has a query), so that the upgrade router can keep a user's apps on the user's stack.
    package var appWebSocketURL: String

    /// Creates a configuration; every parameter defaults to the protocol's value.
    ///
    /// - Parameters:
    ///   - glassesGracePeriod: Session lifetime after the glasses socket closes. Default 60 s.
    ///   - appReconnectGracePeriod: Time a dropped app has to reconnect. Default 5 s.
    ///   - appInitDeadline: Time a started app has to complete init. Default 5 s.
    ///   - heartbeat: Ping policy. Default ping every 10 s, close 30 s after an unanswered ping.
    ///   - webhook: Webhook policy. Default 10 s timeout, 2 attempts, 1 s apart.
    ///   - appWebSocketURL: The public `/app-ws` URL. Default `ws://localhost:8002/app-ws`.
    package init(
        glassesGracePeriod: Duration = .seconds(60),
        appReconnectGracePeriod: Duration = .seconds(5),
        appInitDeadline: Duration = .seconds(5),
        heartbeat: HeartbeatPolicy = .standard,
        webhook: WebhookPolicy = WebhookPolicy(),
        appWebSocketURL: String = "ws://localhost:8002/app-ws"
    ) {
        self.glassesGracePeriod = glassesGracePeriod
        self.appReconnectGracePeriod = appReconnectGracePeriod
        self.appInitDeadline = appInitDeadline
        self.heartbeat = heartbeat
        self.webhook = webhook
        self.appWebSocketURL = appWebSocketURL
    }
}
