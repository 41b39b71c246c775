import Synchronization

/// A fixed number of `Atomic<Int>` counters in one allocation, made once and never resized:
/// the per-message path adds to one without a lock or an allocation.
///
/// `Atomic` cannot live in an `Array` (it is not copyable), so the counters sit in memory this
/// class owns for its whole life.
package final class AtomicCounters: @unchecked Sendable {
    // @unchecked: the pointer is written only in `init` and `deinit` (no other reference exists
    // then); between them every access is an atomic operation on one counter.
    private let counters: UnsafeMutablePointer<Atomic<Int>>
    /// How many counters there are.
    package let count: Int

    /// Creates `count` counters at 0.
    package init(count: Int) {
        precondition(count > 0, "AtomicCounters needs at least one counter")
        self.count = count
        self.counters = .allocate(capacity: count)
        for index in 0..<count {
            (self.counters + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        self.counters.deinitialize(count: self.count)
        self.counters.deallocate()
    }

    /// Adds `amount` to counter `index`.
    @inline(__always)
    package func add(_ amount: Int, at index: Int) {
        self.counters[index].add(amount, ordering: .relaxed)
    }

    /// The value of counter `index`.
    package func load(_ index: Int) -> Int {
        self.counters[index].load(ordering: .relaxed)
    }

    /// Every value, in order.
    package func loadAll() -> [Int] {
        (0..<self.count).map(self.load)
    }
}
