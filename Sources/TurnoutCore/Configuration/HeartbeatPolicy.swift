/// How the core keeps connections alive: the same policy for both endpoints and both stacks.
///
/// The core owns the timers and asks the stack to send pings, so the two stacks cannot drift.
/// After each ping, if no pong has arrived within ``pongTimeout`` of the earliest unanswered
/// ping, the core closes the connection with 1001 `Ping timeout - no pong received`.
package struct HeartbeatPolicy: Sendable, Hashable {
    /// The time between two pings; `nil` disables the heartbeat.
    package var pingInterval: Duration?
    /// How long after an unanswered ping the connection is closed. Default 30 s.
    package var pongTimeout: Duration

    /// Creates a policy.
    ///
    /// - Parameters:
    ///   - pingInterval: The time between two pings; `nil` disables the heartbeat. Default 10 s.
    ///   - pongTimeout: How long after an unanswered ping the connection is closed. Default 30 s.
    package init(pingInterval: Duration? = .seconds(10), pongTimeout: Duration = .seconds(30)) {
        self.pingInterval = pingInterval
        self.pongTimeout = pongTimeout
    }

    /// The protocol's policy: ping every 10 s, close 30 s after an unanswered ping.
    package static var standard: HeartbeatPolicy { HeartbeatPolicy() }

    /// No pings and no timeouts.
    package static var disabled: HeartbeatPolicy { HeartbeatPolicy(pingInterval: nil) }
}
