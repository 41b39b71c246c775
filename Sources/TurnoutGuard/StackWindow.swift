package import TurnoutCore

/// One stack's figures over one guard window: the difference of two cumulative readings.
package struct StackWindow: Sendable, Hashable {
    /// Closes with 1002, 1006, 1007, 1009 or 1011.
    package var abnormalCloses: Int
    /// Connection time in the window, in minutes.
    package var connectionMinutes: Double
    /// Connections open at any point of the window: open at its start, or opened during it.
    package var connections: Int
    /// Backpressure events (audio dropped, text queued, slow-consumer closes).
    package var backpressureEvents: Int
    /// Upgrades the router gave this stack.
    package var upgrades: Int
    /// Of those, the ones whose install failed.
    package var upgradeFailures: Int
    /// Messages handled, per ``HandlingBuckets`` bucket.
    package var handling: [Int]

    /// The window between two readings of the same stack.
    package init(from start: StackSignals.Cumulative, to end: StackSignals.Cumulative) {
        self.abnormalCloses = end.abnormalCloses - start.abnormalCloses
        self.connectionMinutes = Double(end.connectionNanoseconds - start.connectionNanoseconds) / 60e9
        self.connections = start.connectionsActive + (end.connectionsOpened - start.connectionsOpened)
        self.backpressureEvents = end.backpressureEvents - start.backpressureEvents
        self.upgrades = end.upgrades - start.upgrades
        self.upgradeFailures = end.upgradeFailures - start.upgradeFailures
        self.handling = zip(end.handling, start.handling).map { $0 - $1 }
    }

    /// Messages handled in the window.
    package var messages: Int { handling.reduce(0, +) }
}
