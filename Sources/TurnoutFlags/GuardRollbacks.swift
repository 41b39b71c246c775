import NIOConcurrencyHelpers
import Synchronization

/// The flags whose ramp guard has tripped with `action: rollback`: their effective percentage is
/// 0 until the flag's definition changes or an operator resets the guard.
///
/// Decisions consult it after the snapshot has decided: a `rollout` decision of a rolled-back
/// flag becomes compat with rule `guard-rollback`, and every other rule (pinned users, endpoint,
/// unidentified, disabled) stands. The common case, nothing rolled back, costs one atomic load.
package final class GuardRollbacks: Sendable {
    private let any = Atomic<Bool>(false)
    private let flags = NIOLockedValueBox<Set<String>>([])

    /// Creates an empty set: nothing rolled back.
    package init() {}

    /// Forces `flag` to 0 %.
    package func rollBack(_ flag: String) {
        self.flags.withLockedValue { flags in
            flags.insert(flag)
            self.any.store(true, ordering: .releasing)
        }
    }

    /// Lifts the rollback of `flag`; returns whether there was one.
    @discardableResult
    package func lift(_ flag: String) -> Bool {
        self.flags.withLockedValue { flags in
            let removed = flags.remove(flag) != nil
            self.any.store(!flags.isEmpty, ordering: .releasing)
            return removed
        }
    }

    /// Whether `flag` is rolled back.
    package func isRolledBack(_ flag: String) -> Bool {
        guard self.any.load(ordering: .acquiring) else { return false }
        return self.flags.withLockedValue { $0.contains(flag) }
    }

    /// `decision`, or compat by `guard-rollback` when it came from the rollout of a rolled-back flag.
    @inline(__always)
    package func apply(_ decision: Decision) -> Decision {
        guard decision.rule == .rollout, self.isRolledBack(decision.flag) else { return decision }
        var forced = decision
        forced.stack = .compat
        forced.rule = .guardRollback
        forced.percentage = .zero
        return forced
    }
}
