import Synchronization

/// What the ramp guard compares, counted per stack as it happens: abnormal closes, connection
/// time, handling times, upgrades and their failures.
///
/// One instance per server (the ``SessionRegistry`` owns it); each connection takes its stack's
/// ``Recorder`` once at open, so the per-message path is one relaxed atomic add into a fixed
/// bucket array: no lock, no allocation, no lookup. The guard reads ``Cumulative`` totals once
/// per window and subtracts the previous reading.
package final class StackSignals: Sendable {
    /// Close codes that count as abnormal: protocol error, invalid payload, too big, internal
    /// error, and a socket that went away without a close frame (1006, reported as no code).
    package static let abnormalCloseCodes: Set<UInt16> = [1002, 1007, 1009, 1011]

    /// The counters of one stack.
    package final class Recorder: Sendable {
        private let abnormalCloses = Atomic<Int>(0)
        private let opened = Atomic<Int>(0)
        private let closed = Atomic<Int>(0)
        /// Σ of the open times of every connection ever opened, ns on the signals' clock.
        private let openedAtSum = Atomic<Int>(0)
        /// Σ of the close times of every closed connection.
        private let closedAtSum = Atomic<Int>(0)
        private let upgrades = Atomic<Int>(0)
        private let upgradeFailures = Atomic<Int>(0)
        private let handling = AtomicCounters(count: HandlingBuckets.count)

        /// A connection opened at `nanoseconds` on the signals' clock.
        package func opened(at nanoseconds: Int64) {
            self.openedAtSum.add(Int(nanoseconds), ordering: .relaxed)
            self.opened.add(1, ordering: .relaxed)
        }

        /// A connection closed at `nanoseconds` with `code` (`nil`: no close frame, 1006).
        package func closed(at nanoseconds: Int64, code: UInt16?) {
            self.closedAtSum.add(Int(nanoseconds), ordering: .relaxed)
            self.closed.add(1, ordering: .relaxed)
            if code.map(StackSignals.abnormalCloseCodes.contains) ?? true {
                self.abnormalCloses.add(1, ordering: .relaxed)
            }
        }

        /// One message took `nanoseconds` from the socket to the end of its handling.
        @inline(__always)
        package func handled(nanoseconds: Int64) {
            self.handling.add(1, at: HandlingBuckets.index(nanoseconds: nanoseconds))
        }

        /// The router chose this stack for an upgrade.
        package func upgradeDecided() {
            self.upgrades.add(1, ordering: .relaxed)
        }

        /// Installing this stack on an upgraded channel failed.
        package func upgradeFailed() {
            self.upgradeFailures.add(1, ordering: .relaxed)
        }

        /// The totals so far, with connection time integrated up to `nanoseconds`.
        func cumulative(at nanoseconds: Int64) -> Cumulative {
            let closed = self.closed.load(ordering: .relaxed)
            let opened = self.opened.load(ordering: .relaxed)
            let active = max(opened - closed, 0)
            // Σ over connections of (min(close, now) − open) = Σclose + active·now − Σopen.
            let connectionNanoseconds =
                self.closedAtSum.load(ordering: .relaxed) + active * Int(nanoseconds) - self.openedAtSum.load(ordering: .relaxed)
            return Cumulative(
                abnormalCloses: self.abnormalCloses.load(ordering: .relaxed),
                connectionsOpened: opened,
                connectionsActive: active,
                connectionNanoseconds: max(connectionNanoseconds, 0),
                upgrades: self.upgrades.load(ordering: .relaxed),
                upgradeFailures: self.upgradeFailures.load(ordering: .relaxed),
                handling: self.handling.loadAll()
            )
        }
    }

    /// One stack's totals since the server started.
    package struct Cumulative: Sendable, Hashable {
        package var abnormalCloses: Int
        package var connectionsOpened: Int
        package var connectionsActive: Int
        /// Connection time, summed over connections.
        package var connectionNanoseconds: Int
        package var upgrades: Int
        package var upgradeFailures: Int
        /// Backpressure events; the stacks count them, and the server adds them to a reading.
        package var backpressureEvents: Int
        /// Messages per ``HandlingBuckets`` bucket.
        package var handling: [Int]

        /// Creates totals (tests).
        package init(
            abnormalCloses: Int = 0,
            connectionsOpened: Int = 0,
            connectionsActive: Int = 0,
            connectionNanoseconds: Int = 0,
            upgrades: Int = 0,
            upgradeFailures: Int = 0,
            backpressureEvents: Int = 0,
            handling: [Int] = Array(repeating: 0, count: HandlingBuckets.count)
        ) {
            self.abnormalCloses = abnormalCloses
            self.connectionsOpened = connectionsOpened
            self.connectionsActive = connectionsActive
            self.connectionNanoseconds = connectionNanoseconds
            self.upgrades = upgrades
            self.upgradeFailures = upgradeFailures
            self.backpressureEvents = backpressureEvents
            self.handling = handling
        }
    }

    /// The native stack's counters.
    package let native = Recorder()
    /// The compat stack's counters.
    package let compat = Recorder()
    private let epoch: ContinuousClock.Instant

    /// Creates the counters; connection time counts from now.
    package init() {
        self.epoch = .now
    }

    /// The recorder of `stack`, or `nil` for a stack the guard does not compare.
    package func recorder(for stack: TransportStack) -> Recorder? {
        switch stack {
        case .native: self.native
        case .compat: self.compat
        default: nil
        }
    }

    /// Now on the signals' clock, in nanoseconds: what ``Recorder/opened(at:)`` and
    /// ``Recorder/closed(at:code:)`` take.
    package var now: Int64 {
        let (seconds, attoseconds) = (ContinuousClock.now - self.epoch).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// Both stacks' totals now.
    package func read() -> (native: Cumulative, compat: Cumulative) {
        let now = self.now
        return (self.native.cumulative(at: now), self.compat.cumulative(at: now))
    }
}
