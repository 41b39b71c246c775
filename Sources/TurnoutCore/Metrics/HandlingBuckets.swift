/// The buckets of the guard's handling-time histograms: log-linear, four per power of two, so
/// every bucket spans at most 25 % of its lower bound, from 4 ns to over an hour.
///
/// Finer than `turnout_message_handling_seconds` (whose 14 buckets suit a dashboard), because the
/// ramp guard compares one stack's p99 with 1.5 × the other's: with Prometheus's buckets a whole
/// decade can sit in one bucket. The index is a few shifts, no logarithm and no lookup.
package enum HandlingBuckets {
    /// How many buckets there are; the last also takes everything longer.
    package static let count = 168

    /// The bucket of a duration in nanoseconds.
    @inline(__always)
    package static func index(nanoseconds: Int64) -> Int {
        guard nanoseconds >= 4 else { return 0 }
        let value = UInt64(nanoseconds)
        let exponent = 63 - value.leadingZeroBitCount
        let quarter = Int((value >> UInt64(exponent - 2)) & 3)
        return min((exponent - 2) * 4 + quarter + 1, count - 1)
    }

    /// The smallest duration in bucket `index`, in nanoseconds.
    package static func lowerBound(_ index: Int) -> Int64 {
        guard index > 0 else { return 0 }
        let exponent = (index - 1) / 4 + 2
        let quarter = Int64((index - 1) % 4)
        return (4 + quarter) << Int64(exponent - 2)
    }

    /// The first duration past bucket `index`, in nanoseconds (`Int64.max` for the last).
    package static func upperBound(_ index: Int) -> Int64 {
        index >= count - 1 ? Int64.max : lowerBound(index + 1)
    }
}
