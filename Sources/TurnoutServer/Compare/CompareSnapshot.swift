/// One `/admin/compare` answer as a client reads it: what `turnout compare` fetches, adds up
/// across instances and prints.
///
/// Only the raw figures are decoded (counts, rates, buckets); percentiles and ratios are
/// recomputed from them, so that the sum of several instances is exact.
package struct CompareSnapshot: Decodable, Sendable, Equatable {
    /// One stack's figures over one window (docs/operations.md, "A/B in staging").
    package struct Figures: Decodable, Sendable, Equatable {
        /// Connections by endpoint.
        package struct Connections: Decodable, Sendable, Equatable {
            /// Open at the window's end, by endpoint and `total`.
            package var open: [String: Double]
            /// Opened during the window, by endpoint and `total`.
            package var opened: [String: Double]
        }

        /// The handling-time histogram of the window.
        package struct Handling: Decodable, Sendable, Equatable {
            /// Messages handled.
            package var count: Double
            /// Cumulative counts at each of ``CompareSnapshot/handlingBucketsMicroseconds``.
            package var buckets: [Double]
        }

        /// Closes with 1002, 1006, 1007, 1009 or 1011, and the connection-minutes they relate to.
        package struct AbnormalCloses: Decodable, Sendable, Equatable {
            /// Abnormal closes.
            package var count: Double
            /// Open connections integrated over the window, in minutes.
            package var connectionMinutes: Double
        }

        /// Open and opened connections by endpoint.
        package var connections: Connections
        /// Messages received per second over the window; `nil` with fewer than two samples.
        package var messagesInPerSecond: Double?
        /// Messages sent per second over the window; `nil` with fewer than two samples.
        package var messagesOutPerSecond: Double?
        /// Bytes received per second over the window; `nil` with fewer than two samples.
        package var bytesInPerSecond: Double?
        /// Bytes sent per second over the window; `nil` with fewer than two samples.
        package var bytesOutPerSecond: Double?
        /// The window's handling-time histogram.
        package var handling: Handling
        /// Closes by code, and `total`.
        package var closes: [String: Double]
        /// Abnormal closes and the connection-minutes they happened in.
        package var abnormalCloses: AbnormalCloses
        /// Backpressure events by kind, and `total`.
        package var backpressure: [String: Double]
    }

    /// Both stacks over one window.
    package struct Window: Decodable, Sendable, Equatable {
        /// How long the window really is, in seconds.
        package var seconds: Double
        /// compat's figures.
        package var compat: Figures
        /// native's figures.
        package var native: Figures
        /// Refused upgrades by reason and `total`; they belong to no stack.
        package var upgradeRefusals: [String: Double]
    }

    /// The bounds of the handling-time buckets in µs; `nil` is `+Inf`.
    package var handlingBucketsMicroseconds: [Double?]
    /// The windows by name: `1m`, `5m`, `15m`.
    package var windows: [String: Window]
}

extension CompareSnapshot.Figures {
    /// The figures of two instances together: counts and rates add, buckets add bucket by bucket.
    package static func + (lhs: Self, rhs: Self) -> Self {
        func add(_ a: Double?, _ b: Double?) -> Double? {
            a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0)
        }
        func add(_ a: [String: Double], _ b: [String: Double]) -> [String: Double] {
            a.merging(b, uniquingKeysWith: +)
        }
        let buckets =
            lhs.handling.buckets.count == rhs.handling.buckets.count
            ? zip(lhs.handling.buckets, rhs.handling.buckets).map(+) : lhs.handling.buckets
        return Self(
            connections: .init(open: add(lhs.connections.open, rhs.connections.open), opened: add(lhs.connections.opened, rhs.connections.opened)),
            messagesInPerSecond: add(lhs.messagesInPerSecond, rhs.messagesInPerSecond),
            messagesOutPerSecond: add(lhs.messagesOutPerSecond, rhs.messagesOutPerSecond),
            bytesInPerSecond: add(lhs.bytesInPerSecond, rhs.bytesInPerSecond),
            bytesOutPerSecond: add(lhs.bytesOutPerSecond, rhs.bytesOutPerSecond),
            handling: .init(count: lhs.handling.count + rhs.handling.count, buckets: buckets),
            closes: add(lhs.closes, rhs.closes),
            abnormalCloses: .init(
                count: lhs.abnormalCloses.count + rhs.abnormalCloses.count,
                connectionMinutes: lhs.abnormalCloses.connectionMinutes + rhs.abnormalCloses.connectionMinutes
            ),
            backpressure: add(lhs.backpressure, rhs.backpressure)
        )
    }
}

extension CompareSnapshot.Window {
    /// Two instances' windows together; `seconds` is the longer.
    package static func + (lhs: Self, rhs: Self) -> Self {
        Self(
            seconds: max(lhs.seconds, rhs.seconds),
            compat: lhs.compat + rhs.compat,
            native: lhs.native + rhs.native,
            upgradeRefusals: lhs.upgradeRefusals.merging(rhs.upgradeRefusals, uniquingKeysWith: +)
        )
    }
}
