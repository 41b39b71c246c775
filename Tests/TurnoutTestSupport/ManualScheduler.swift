import NIOConcurrencyHelpers
package import TurnoutCore

/// A ``CoreScheduler`` whose time moves only when a test says so.
///
/// ``advance(by:)`` runs every due timer synchronously on the calling thread, in deadline
/// order (ties in scheduling order), including timers that fired work schedules inside the
/// window. Nothing runs on any other thread, so tests are deterministic. A test double, so it lives
/// in TurnoutTestSupport, beside the other helpers, and never ships in the server.
package final class ManualScheduler: CoreScheduler {
    private struct Timer {
        var deadline: Duration
        var work: @Sendable () -> Void
    }

    private struct State {
        var now: Duration = .zero
        var nextID: UInt64 = 0
        /// The live timers; cancelling removes the entry here only.
        var timers: [UInt64: Timer] = [:]
        /// A binary min-heap of (deadline, id); entries whose id is no longer in `timers` are skipped.
        var heap: [(deadline: Duration, id: UInt64)] = []

        mutating func push(_ entry: (deadline: Duration, id: UInt64)) {
            self.heap.append(entry)
            var child = self.heap.count - 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard Self.less(self.heap[child], self.heap[parent]) else { break }
                self.heap.swapAt(child, parent)
                child = parent
            }
        }

        mutating func popMin() -> (deadline: Duration, id: UInt64)? {
            guard !self.heap.isEmpty else { return nil }
            self.heap.swapAt(0, self.heap.count - 1)
            let minimum = self.heap.removeLast()
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < self.heap.count, Self.less(self.heap[left], self.heap[smallest]) { smallest = left }
                if right < self.heap.count, Self.less(self.heap[right], self.heap[smallest]) { smallest = right }
                guard smallest != parent else { break }
                self.heap.swapAt(parent, smallest)
                parent = smallest
            }
            return minimum
        }

        static func less(_ lhs: (deadline: Duration, id: UInt64), _ rhs: (deadline: Duration, id: UInt64)) -> Bool {
            lhs.deadline < rhs.deadline || (lhs.deadline == rhs.deadline && lhs.id < rhs.id)
        }
    }

    private let state = NIOLockedValueBox(State())

    /// Creates a scheduler whose time starts at zero.
    package init() {}

    /// Time elapsed since creation, as moved by ``advance(by:)``.
    package var now: Duration {
        self.state.withLockedValue { $0.now }
    }

    /// How many timers are scheduled and neither fired nor cancelled: zero means nothing leaked.
    package var pendingCount: Int {
        self.state.withLockedValue { $0.timers.count }
    }

    package func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> any ScheduledWork {
        let id = self.state.withLockedValue { state in
            let id = state.nextID
            state.nextID += 1
            let deadline = state.now + max(delay, .zero)
            state.timers[id] = Timer(deadline: deadline, work: work)
            state.push((deadline, id))
            return id
        }
        return Token(scheduler: self, id: id)
    }

    /// Moves time forward and runs every timer that falls due, in order.
    ///
    /// - Parameter duration: How far to move; the clock ends exactly at `now + duration`.
    package func advance(by duration: Duration) {
        let target = self.state.withLockedValue { $0.now + duration }
        while let work = self.takeNextDue(before: target) {
            work()
        }
        self.state.withLockedValue { $0.now = max($0.now, target) }
    }

    /// Runs timers that are due now (zero-delay timers) without moving time.
    package func runDue() {
        self.advance(by: .zero)
    }

    private func takeNextDue(before target: Duration) -> (@Sendable () -> Void)? {
        self.state.withLockedValue { state in
            while let top = state.heap.first {
                guard state.timers[top.id] != nil else {
                    _ = state.popMin()  // cancelled
                    continue
                }
                guard top.deadline <= target else { return nil }
                _ = state.popMin()
                let timer = state.timers.removeValue(forKey: top.id)!
                state.now = max(state.now, timer.deadline)
                return timer.work
            }
            return nil
        }
    }

    private func cancel(_ id: UInt64) {
        self.state.withLockedValue { state in
            state.timers[id] = nil
            // Keep the heap from growing without bound when timers are cancelled faster than time moves.
            if state.heap.count > 64, state.heap.count > 4 * state.timers.count {
                state.heap = state.heap.filter { state.timers[$0.id] != nil }
                state.heap.sort { State.less($0, $1) }
            }
        }
    }

    private struct Token: ScheduledWork {
        let scheduler: ManualScheduler
        let id: UInt64

        func cancel() {
            self.scheduler.cancel(self.id)
        }
    }
}
