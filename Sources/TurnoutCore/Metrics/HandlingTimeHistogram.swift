import Synchronization

/// `turnout_message_handling_seconds` of one stack and endpoint: Prometheus's buckets, kept as
/// lock-free counters.
///
/// swift-prometheus's histogram takes a lock on every observation, and one histogram is shared by
/// every connection of a stack and endpoint: under load gdb caught both event loops in its
/// `record`, one holding the lock and one waiting. Here an observation is two relaxed atomic adds
/// into memory made once, so the per-message path takes no process-wide lock. A scrape reads the
/// counters one by one; an observation landing mid-scrape may show in `_count` and not yet in its
/// bucket, a skew of a message or two that Prometheus's `rate` absorbs.
package final class HandlingTimeHistogram: Sendable {
    /// The buckets' upper bounds in nanoseconds, below the implicit `+Inf`: 5 µs to 1 s, the
    /// dashboard's range (``HandlingBuckets`` has the guard's finer ones).
    package static let upperBounds: [Int64] = [
        5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000,
        50_000_000, 250_000_000, 1_000_000_000,
    ]

    /// Messages per bucket, not cumulative; the last counter is `+Inf`'s own.
    private let buckets = AtomicCounters(count: HandlingTimeHistogram.upperBounds.count + 1)
    private let sumNanoseconds = Atomic<Int>(0)
    /// `stack="native",endpoint="glasses"`, rendered once.
    private let labels: String

    /// Creates an empty histogram whose samples carry these labels.
    package init(stack: TransportStack, endpoint: ConnectionEndpoint) {
        self.labels = #"stack="\#(stack.label)",endpoint="\#(endpoint.rawValue)""#
    }

    /// One message took `nanoseconds` from the socket to the end of its handling.
    @inline(__always)
    package func record(nanoseconds: Int64) {
        var index = 0
        while index < Self.upperBounds.count, nanoseconds > Self.upperBounds[index] { index += 1 }
        self.buckets.add(1, at: index)
        self.sumNanoseconds.add(Int(max(nanoseconds, 0)), ordering: .relaxed)
    }

    /// Appends the `_bucket`, `_sum` and `_count` samples in the exposition format.
    package func render(into text: inout String) {
        let name = "turnout_message_handling_seconds"
        var cumulative = 0
        for (index, bound) in Self.upperBounds.enumerated() {
            cumulative += self.buckets.load(index)
            text += #"\#(name)_bucket{\#(self.labels),le="\#(Self.seconds(bound))"} \#(cumulative)"# + "\n"
        }
        cumulative += self.buckets.load(Self.upperBounds.count)
        text += #"\#(name)_bucket{\#(self.labels),le="+Inf"} \#(cumulative)"# + "\n"
        text += "\(name)_sum{\(self.labels)} \(Self.seconds(Int64(self.sumNanoseconds.load(ordering: .relaxed))))\n"
        text += "\(name)_count{\(self.labels)} \(cumulative)\n"
    }

    /// Nanoseconds as decimal seconds, exactly (`0.000005`, `1.0`), as swift-prometheus writes them.
    static func seconds(_ nanoseconds: Int64) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.count > 1, fraction.last == "0" { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
