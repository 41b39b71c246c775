/// One point of a latency CDF: the latency at or below which `percentile` % of samples fell.
package struct LatencyPoint: Codable, Hashable, Sendable {
    /// The percentile, 0 to 100 (exclusive of 100).
    package var percentile: Double
    /// The latency at that percentile, µs.
    package var micros: Double

    /// Creates a point.
    package init(percentile: Double, micros: Double) {
        self.percentile = percentile
        self.micros = micros
    }

    /// The percentiles a result's CDF samples: p0 to p99.99, denser towards the tail.
    package static let percentiles: [Double] = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99]

    /// The point-wise median of several CDFs over the same percentiles (a missing point is skipped).
    package static func median(of curves: [[LatencyPoint]]) -> [LatencyPoint] {
        guard let longest = curves.max(by: { $0.count < $1.count }) else { return [] }
        return longest.map { point in
            let values = curves.compactMap { curve in curve.first { $0.percentile == point.percentile }?.micros }
            return LatencyPoint(percentile: point.percentile, micros: Median.of(values))
        }
    }
}
