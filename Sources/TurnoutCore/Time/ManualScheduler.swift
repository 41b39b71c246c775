import Synchronization

/// A ``CoreScheduler`` whose time moves only when a test says so.
///
/// ``advance(by:)`` runs every due timer synchronously on the calling thread, in deadline
/// order (ties in scheduling order), including timers that fired work schedules inside the
/// window. Nothing runs on any other thread, so tests are deterministic. It lives in the
/// module (not in a test target) so that other modules' tests can drive the core's timers too.
package final class ManualScheduler: CoreScheduler {
    private struct Timer {
        var deadline: Duration
        var work: @Sendable () -> Void
    }

    private struct State {
        var now: Duration = .zero
        var nextID: UInt64 = 0
        var timers: [UInt64: Timer] = [:]
    }

    private let state = Mutex(State())

    /// Creates a scheduler whose time starts at zero.
    package init() {}

    /// Time elapsed since creation, as moved by ``advance(by:)``.
    package var now: Duration {
        self.state.withLock { $0.now }
    }

    /// How many timers are scheduled and neither fired nor cancelled: zero means nothing leaked.
    package var pendingCount: Int {
        self.state.withLock { $0.timers.count }
    }

    package func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> any ScheduledWork {
        let id = self.state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.timers[id] = Timer(deadline: state.now + max(delay, .zero), work: work)
            return id
        }
        return Token(scheduler: self, id: id)
    }

    /// Moves time forward and runs every timer that falls due, in order.
    ///
    /// - Parameter duration: How far to move; the clock ends exactly at `now + duration`.
    package func advance(by duration: Duration) {
        let target = self.state.withLock { $0.now + duration }
        while let work = self.takeNextDue(before: target) {
            work()
        }
        self.state.withLock { $0.now = max($0.now, target) }
    }

    /// Runs timers that are due now (zero-delay timers) without moving time.
    package func runDue() {
        self.advance(by: .zero)
    }

    private func takeNextDue(before target: Duration) -> (@Sendable () -> Void)? {
        self.state.withLock { state in
            guard let (id, timer) = state.timers.min(by: { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }),
                timer.deadline <= target
            else { return nil }
            state.timers[id] = nil
            state.now = max(state.now, timer.deadline)
            return timer.work
        }
    }

    private func cancel(_ id: UInt64) {
        _ = self.state.withLock { $0.timers.removeValue(forKey: id) }
    }

    private struct Token: ScheduledWork {
        let scheduler: ManualScheduler
        let id: UInt64

        func cancel() {
            self.scheduler.cancel(self.id)
        }
    }
}
