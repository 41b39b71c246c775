/// The most recent reload attempts of one store, oldest dropped first: a bounded ring.
///
/// A value type kept under the store's lock; appending never allocates once the ring is full.
package struct ReloadHistory: Sendable {
    /// How many attempts a store keeps: the last 100.
    package static let defaultCapacity = 100

    /// The most attempts kept.
    package let capacity: Int
    private var storage: [ReloadEvent] = []
    /// Where the next event goes once ``storage`` is full.
    private var next = 0

    /// Creates an empty history that keeps at most `capacity` events (at least 1).
    package init(capacity: Int = ReloadHistory.defaultCapacity) {
        self.capacity = max(1, capacity)
        storage.reserveCapacity(self.capacity)
    }

    /// Adds `event`, dropping the oldest one when the ring is full.
    package mutating func append(_ event: ReloadEvent) {
        if storage.count < capacity {
            storage.append(event)
        } else {
            storage[next] = event
            next = (next + 1) % capacity
        }
    }

    /// The events kept, newest first.
    package var newestFirst: [ReloadEvent] {
        Array((storage[next...] + storage[..<next]).reversed())
    }

    /// How many events are kept.
    package var count: Int { storage.count }
}
