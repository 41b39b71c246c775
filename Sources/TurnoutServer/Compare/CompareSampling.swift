package import TurnoutCore
package import TurnoutGuard

/// How the server samples for `/admin/compare`: where its timers run and what time it is.
///
/// The default, `.init()`, is production: the server's event loops and the continuous clock.
/// Tests pass a ``ManualScheduler`` and its `now`, and wait on `onSample`.
package struct CompareSampling: Sendable {
    /// Runs the sampler's timers; `nil` (default) means the server's event loops.
    package var scheduler: (any CoreScheduler)?
    /// The monotonic time of a sample; `nil` (default) means the continuous clock since start.
    package var now: (@Sendable () -> Duration)?
    /// Called after every sample; default nothing.
    package var onSample: @Sendable () -> Void

    /// Creates a sampling setup; every parameter defaults to production.
    package init(scheduler: (any CoreScheduler)? = nil, now: (@Sendable () -> Duration)? = nil, onSample: @escaping @Sendable () -> Void = {}) {
        self.scheduler = scheduler
        self.now = now
        self.onSample = onSample
    }
}

/// How the server runs the ramp guard's windows: where its timers run, and a hook per window.
///
/// The default, `.init()`, is production: the server's event loops. Tests pass a
/// ``ManualScheduler`` and wait on `onWindow`.
package struct GuardSampling: Sendable {
    /// Runs the guard's window timers; `nil` (default) means the server's event loops.
    package var scheduler: (any CoreScheduler)?
    /// Called after every judged window with its verdict and the trip it caused, if any.
    package var onWindow: @Sendable (WindowVerdict, GuardTrip?) -> Void

    /// Creates a setup; every parameter defaults to production.
    package init(scheduler: (any CoreScheduler)? = nil, onWindow: @escaping @Sendable (WindowVerdict, GuardTrip?) -> Void = { _, _ in }) {
        self.scheduler = scheduler
        self.onWindow = onWindow
    }
}
