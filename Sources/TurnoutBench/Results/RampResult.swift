/// What a ramp under load (`--ramp`) or a soak (`--churn`) found: the steps, the moves, and the
/// checks that fail the run.
package struct RampResult: Codable, Hashable, Sendable {
    /// Every step, in order (a soak: every cycle).
    package var steps: [RampStepResult]
    /// `--every` and the flag's `migrate_window`, in seconds.
    package var everySeconds: Double
    package var migrateWindowSeconds: Double
    /// Over the whole run: milliseconds from an edit to a moved connection bound on its new stack.
    package var moveMaxMs: Double?
    package var moveP50Ms: Double?
    /// Sockets closed with 1012, and sockets bound again after one.
    package var closes1012: Int
    package var reconnects: Int
    /// `app_stopped` the bench did not ask for.
    package var appStopped: Int
    /// Apps restarted through the webhook after their grace ran out (allowed), and within it (not).
    package var graceRestarts: Int
    package var unexplainedRestarts: Int
    /// Deliveries lost or out of order (see ``EpochLedger``).
    package var lost: Int
    package var reordered: Int
    /// Messages the glasses wrote after the server's close frame had left: not sent on an open socket.
    package var inFlightAtClose: Int
    /// Messages routed while an app was between sockets (the server does not buffer them).
    package var skippedWhileReconnecting: Int
    /// Audio the server dropped for slow consumers (the soak), and what `/metrics` counted.
    package var droppedWhileSlow: Int
    /// Everything that fails the run, one line each.
    package var failures: [String]

    /// A result with these steps and nothing counted yet; its failures are the steps'.
    package init(steps: [RampStepResult], everySeconds: Double, migrateWindowSeconds: Double) {
        self.steps = steps
        self.everySeconds = everySeconds
        self.migrateWindowSeconds = migrateWindowSeconds
        self.closes1012 = 0
        self.reconnects = 0
        self.appStopped = 0
        self.graceRestarts = 0
        self.unexplainedRestarts = 0
        self.lost = 0
        self.reordered = 0
        self.inFlightAtClose = 0
        self.skippedWhileReconnecting = 0
        self.droppedWhileSlow = 0
        self.failures = steps.flatMap(\.failures)
    }

    /// Whether nothing failed.
    package var isClean: Bool { self.failures.isEmpty }
}
