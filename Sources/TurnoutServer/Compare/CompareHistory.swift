import NIOConcurrencyHelpers

/// The last 15 minutes of ``CompareReading``s, in a ring of fixed size inside the server.
///
/// Thread-safe: the sampler appends every 2 s and `/admin/compare` reads, both under one short
/// lock that is never taken per message. The storage is allocated once, at creation:
/// ``byteCount`` bytes, whatever the traffic.
final class CompareHistory: Sendable {
    /// The time between two samples: 2 s.
    static let interval: Duration = .seconds(2)
    /// The samples kept by default: 15 minutes at one per 2 s.
    static let defaultCapacity = 450

    private struct Ring {
        /// When each slot was sampled, in nanoseconds of the sampler's clock.
        var times: [Int64]
        /// ``CompareLayout/width`` numbers per slot, slot after slot.
        var values: [Double]
        /// How many slots hold a sample.
        var count = 0
        /// The slot the next sample goes to.
        var next = 0
    }

    /// How many samples the ring holds.
    let capacity: Int
    private let ring: NIOLockedValueBox<Ring>

    /// Creates an empty history.
    /// - Parameter capacity: The samples kept; default 450 (15 minutes at 2 s).
    init(capacity: Int = CompareHistory.defaultCapacity) {
        precondition(capacity >= 2, "a comparison needs two samples")
        self.capacity = capacity
        self.ring = NIOLockedValueBox(
            Ring(times: Array(repeating: 0, count: capacity), values: Array(repeating: 0, count: capacity * CompareLayout.width))
        )
    }

    /// The bytes of sample storage: 8 per number and 8 for the time, per slot (the arrays'
    /// headers aside). 450 slots: 450 × (78 × 8 + 8) = 284,400 bytes.
    var byteCount: Int {
        self.capacity * (CompareLayout.width * 8 + 8)
    }

    /// How many samples the ring holds now (at most ``capacity``).
    var count: Int {
        self.ring.withLockedValue { $0.count }
    }

    /// Stores a sample, replacing the oldest once the ring is full.
    /// - Parameters:
    ///   - reading: The cumulative counts.
    ///   - time: When, on the sampler's monotonic clock; later than the previous sample's.
    func append(_ reading: CompareReading, at time: Duration) {
        let nanoseconds = Self.nanoseconds(time)
        self.ring.withLockedValue { ring in
            let slot = ring.next
            ring.times[slot] = nanoseconds
            let start = slot * CompareLayout.width
            for index in 0..<CompareLayout.width {
                ring.values[start + index] = reading.values[index]
            }
            ring.next = (slot + 1) % self.capacity
            ring.count = min(ring.count + 1, self.capacity)
        }
    }

    /// The window that ends at the newest sample and starts at the oldest sample at most
    /// `seconds` older (so early in the server's life a window is shorter than its name).
    ///
    /// - Returns: The two readings, the seconds between them and each stack's connection-seconds
    ///   (open connections integrated over the window, trapezoid rule); an empty window of zeros
    ///   before the first sample.
    func window(seconds: Int) -> CompareWindow {
        self.ring.withLockedValue { ring in
            guard ring.count > 0 else {
                return CompareWindow(seconds: 0, start: CompareReading(), end: CompareReading(), connectionSeconds: [0, 0])
            }
            let newest = (ring.next - 1 + self.capacity) % self.capacity
            let limit = ring.times[newest] - Int64(seconds) * 1_000_000_000
            var oldest = newest
            var connectionSeconds = Array(repeating: 0.0, count: CompareLayout.stacks.count)
            for step in 1..<ring.count {
                let earlier = (newest - step + self.capacity) % self.capacity
                guard ring.times[earlier] >= limit else { break }
                let elapsed = Double(ring.times[oldest] - ring.times[earlier]) / 1e9
                for stack in connectionSeconds.indices {
                    let open =
                        Self.openConnections(ring.values, slot: earlier, stack: stack) + Self.openConnections(ring.values, slot: oldest, stack: stack)
                    connectionSeconds[stack] += open / 2 * elapsed
                }
                oldest = earlier
            }
            return CompareWindow(
                seconds: Double(ring.times[newest] - ring.times[oldest]) / 1e9,
                start: Self.reading(ring.values, slot: oldest),
                end: Self.reading(ring.values, slot: newest),
                connectionSeconds: connectionSeconds
            )
        }
    }

    /// Every `step`-th sample back from the newest, and the oldest, oldest first: the points of
    /// the dashboard's charts.
    ///
    /// - Parameter step: Samples between two points; 5 gives one point per 10 s.
    /// - Returns: Each point's time in seconds before the newest sample (0 for the newest), its
    ///   reading, and each stack's open connections at it.
    func points(step: Int) -> [(secondsAgo: Double, reading: CompareReading)] {
        self.ring.withLockedValue { ring in
            guard ring.count > 0 else { return [] }
            let newest = (ring.next - 1 + self.capacity) % self.capacity
            var points: [(secondsAgo: Double, reading: CompareReading)] = []
            var back = 0
            while back < ring.count {
                let slot = (newest - back + self.capacity) % self.capacity
                points.append((Double(ring.times[newest] - ring.times[slot]) / 1e9, Self.reading(ring.values, slot: slot)))
                back += max(1, step)
            }
            // The oldest sample closes the series, so that the charts reach back as far as the history.
            if back - max(1, step) != ring.count - 1 {
                let slot = (newest - (ring.count - 1) + self.capacity) % self.capacity
                points.append((Double(ring.times[newest] - ring.times[slot]) / 1e9, Self.reading(ring.values, slot: slot)))
            }
            return points.reversed()
        }
    }

    private static func reading(_ values: [Double], slot: Int) -> CompareReading {
        let start = slot * CompareLayout.width
        return CompareReading(values: Array(values[start..<start + CompareLayout.width]))
    }

    private static func openConnections(_ values: [Double], slot: Int, stack: Int) -> Double {
        let start = slot * CompareLayout.width + CompareLayout.index(stack: stack, CompareLayout.open)
        return values[start..<start + CompareLayout.endpoints.count].reduce(0, +)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds &* 1_000_000_000 &+ duration.components.attoseconds / 1_000_000_000
    }
}

/// Two readings of the history and what happened between them.
struct CompareWindow: Sendable, Equatable {
    /// The seconds between ``start`` and ``end``; zero with fewer than two samples.
    var seconds: Double
    /// The oldest reading in the window.
    var start: CompareReading
    /// The newest reading.
    var end: CompareReading
    /// Per stack (``CompareLayout/stacks`` order), open connections × seconds over the window.
    var connectionSeconds: [Double]
}
