package import Foundation
package import TurnoutFlags

/// The guard of one flag as a pure state machine: it takes each window's verdict and says when
/// to trip. Time, timers and actions belong to whoever drives it (the server's `GuardService`).
package struct GuardMonitor: Sendable {
    /// Where the guard stands.
    package enum State: Sendable, Hashable {
        /// Watching; `badWindows` bad windows in a row so far.
        case armed(badWindows: Int)
        /// Tripped; stays so until re-armed.
        case tripped(GuardTrip)
    }

    /// The flag's guard block.
    package private(set) var policy: GuardPolicy
    /// Where the guard stands.
    package private(set) var state: State = .armed(badWindows: 0)
    /// The last window's verdict, for `/admin/flags`.
    package private(set) var lastVerdict: WindowVerdict?

    /// Creates an armed monitor.
    package init(policy: GuardPolicy) {
        self.policy = policy
    }

    /// Records one window's verdict; returns the trip when this window completes `consecutive`
    /// bad windows in a row. A window that is not bad, a verdict or not, breaks the run. A
    /// tripped monitor ignores windows until re-armed.
    package mutating func record(_ verdict: WindowVerdict, at time: Date) -> GuardTrip? {
        lastVerdict = verdict
        guard case .armed(let badWindows) = state else { return nil }
        guard let bad = verdict.firstBad else {
            state = .armed(badWindows: 0)
            return nil
        }
        let run = badWindows + 1
        guard run >= policy.consecutive else {
            state = .armed(badWindows: run)
            return nil
        }
        let trip = GuardTrip(result: bad, at: time, windows: run, action: policy.action)
        state = .tripped(trip)
        return trip
    }

    /// Re-arms with `policy` (the flag's definition changed, or an operator reset the guard).
    package mutating func rearm(policy: GuardPolicy) {
        self.policy = policy
        self.state = .armed(badWindows: 0)
        self.lastVerdict = nil
    }

    /// The trip in force, if tripped.
    package var trip: GuardTrip? {
        if case .tripped(let trip) = state { return trip }
        return nil
    }
}

/// Why and when a guard tripped.
package struct GuardTrip: Sendable, Hashable {
    /// The signal of the window that tripped it, with both stacks' figures and the p-value.
    package var result: SignalResult
    /// When.
    package var at: Date
    /// Bad windows in a row.
    package var windows: Int
    /// What the policy said to do.
    package var action: GuardPolicy.Action
}
