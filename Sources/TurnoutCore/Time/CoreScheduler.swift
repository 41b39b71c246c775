/// Runs work after a delay: the core's only source of time for grace periods, deadlines and heartbeats.
///
/// Injectable so that tests run the lifecycles on ``ManualScheduler`` in microseconds. Production
/// uses ``EventLoopScheduler``.
///
/// Contract for implementations:
/// - `schedule` never runs `work` synchronously and never blocks;
/// - `work` runs at most once, on any thread, and never while the scheduler holds a lock, so
///   it may schedule or cancel other work;
/// - after ``ScheduledWork/cancel()`` returns, `work` does not start (it may already be running
///   on another thread; the core tolerates that by checking a token under its own lock).
package protocol CoreScheduler: Sendable {
    /// Schedules `work` to run once after `delay`.
    ///
    /// - Parameters:
    ///   - delay: How long to wait; zero or negative runs as soon as possible, but not inline.
    ///   - work: The work; called from any thread.
    /// - Returns: A token that cancels the work.
    func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> any ScheduledWork
}

/// Work scheduled on a ``CoreScheduler``.
package protocol ScheduledWork: Sendable {
    /// Cancels the work if it has not started; idempotent, callable from any thread.
    func cancel()
}
