import TurnoutCore

/// Native's handling-time p99 against `r` × compat's over one window, from the two histograms:
/// an exact quantile test (docs/flags.md, "The guard's tests").
///
/// Compat's p99 `q` is read from its histogram, rounded up to its bucket's upper bound. If
/// native's true p99 were at most `r·q` (the null hypothesis), each native sample would exceed
/// `r·q` with probability at most 1 %, so the count `x` of native samples above it is at worst
/// `Binomial(n, 0.01)` and the p-value is `P(X ≥ x)`. Only native buckets wholly above `r·q`
/// count, so bucketing can only make the test more reluctant, never trip it.
package struct QuantileComparison: Sendable, Hashable {
    /// The quantile compared: the 99th percentile.
    package static let quantile = 0.99

    /// Native's samples in the window.
    package var nativeSamples: Int
    /// Compat's samples.
    package var compatSamples: Int
    /// Native's p99, in nanoseconds (the upper bound of its bucket).
    package var nativeP99: Int64
    /// Compat's p99, in nanoseconds (the upper bound of its bucket).
    package var compatP99: Int64
    /// `ratio` × compat's p99.
    package var threshold: Double
    /// Native samples wholly above ``threshold``.
    package var nativeAbove: Int

    /// Compares two histograms of ``HandlingBuckets``.
    package init(native: [Int], compat: [Int], ratio: Double) {
        self.nativeSamples = native.reduce(0, +)
        self.compatSamples = compat.reduce(0, +)
        self.nativeP99 = Self.p99(native)
        self.compatP99 = Self.p99(compat)
        let threshold = ratio * Double(self.compatP99)
        self.threshold = threshold
        var above = 0
        for (index, count) in native.enumerated() where Double(HandlingBuckets.lowerBound(index)) >= threshold {
            above += count
        }
        self.nativeAbove = above
    }

    /// Whether more than 1 % of native's samples lie above `ratio` × compat's p99: native's p99
    /// is above it.
    package var exceedsRatio: Bool {
        Double(nativeAbove) > (1 - Self.quantile) * Double(nativeSamples)
    }

    /// P(X ≥ x) for X ~ Binomial(n, 0.01).
    package var pValue: Double {
        BinomialTail.probability(atLeast: nativeAbove, trials: nativeSamples, probability: 1 - Self.quantile)
    }

    /// The upper bound of the bucket holding the p99 (0 for an empty histogram).
    package static func p99(_ buckets: [Int]) -> Int64 {
        let total = buckets.reduce(0, +)
        guard total > 0 else { return 0 }
        let rank = Int((Double(total) * quantile).rounded(.up))
        var seen = 0
        for (index, count) in buckets.enumerated() {
            seen += count
            if seen >= rank { return HandlingBuckets.upperBound(index) }
        }
        return HandlingBuckets.upperBound(buckets.count - 1)
    }
}
