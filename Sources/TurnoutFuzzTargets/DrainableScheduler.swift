import NIOConcurrencyHelpers
import Synchronization
import TurnoutCore

/// A ``CoreScheduler`` whose work runs when the fuzz target says, whatever its delay: after each
/// input the `http` target runs everything due (grace periods included), so sessions never pile
/// up across inputs.
final class DrainableScheduler: CoreScheduler {
    private final class Work: ScheduledWork {
        let body: @Sendable () -> Void
        let cancelled = Atomic(false)

        init(_ body: @escaping @Sendable () -> Void) {
            self.body = body
        }

        func cancel() {
            cancelled.store(true, ordering: .relaxed)
        }
    }

    private let pending = NIOLockedValueBox<[Work]>([])

    func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> any ScheduledWork {
        let work = Work(work)
        pending.withLockedValue { $0.append(work) }
        return work
    }

    /// Runs the work scheduled so far and any it schedules in turn, up to `limit` rounds.
    func drain(limit: Int = 16) {
        for _ in 0..<limit {
            let due = pending.withLockedValue { pending in
                defer { pending.removeAll() }
                return pending
            }
            if due.isEmpty { return }
            for work in due where !work.cancelled.load(ordering: .relaxed) {
                work.body()
            }
        }
    }
}

/// Webhooks go nowhere: the `http` target never reaches an app's init.
struct NoWebhooks: WebhookSender {
    func send(_ request: WebhookRequest, timeout: Duration, completion: @escaping @Sendable (Result<Void, WebhookError>) -> Void) {
        completion(.success(()))
    }
}
