package import NIOCore

/// The production ``CoreScheduler``: timers on a NIO event loop group.
///
/// Each timer goes to `group.next()`, so timers spread over the loops; the core does not care
/// which thread fires them.
package struct EventLoopScheduler: CoreScheduler {
    private let group: any EventLoopGroup

    /// Creates a scheduler on an event loop group, usually the server's.
    package init(group: any EventLoopGroup) {
        self.group = group
    }

    package func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> any ScheduledWork {
        let (seconds, attoseconds) = delay.components
        let nanoseconds = max(0, seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
        let scheduled = self.group.next().scheduleTask(in: .nanoseconds(nanoseconds)) { work() }
        return ScheduledTask(scheduled: scheduled)
    }

    private struct ScheduledTask: ScheduledWork {
        let scheduled: Scheduled<Void>

        func cancel() {
            self.scheduled.cancel()
        }
    }
}
