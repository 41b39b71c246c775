import NIOCore

/// The counters and the live objects of one client event loop.
///
/// Confined to its loop: handlers on that loop mutate it without locks, and the runner reads it
/// only through `EventLoop.submit`. This is why the hot path needs no atomics.
final class LoopStats {
    /// Counters per stack, indexed by ``BenchStack/index``.
    var counters = [StackCounters(), StackCounters()]
    /// Echo connections on this loop.
    var echoHandlers: [EchoClientHandler] = []
    /// Glasses users on this loop.
    var users: [UserDriver] = []
    /// Broadcast publishers (with their subscribers) on this loop.
    var broadcasts: [BroadcastDriver] = []
    /// Echo connections on this loop that stopped after the deadline with nothing in flight.
    var finishedEcho = 0
    /// The ticker that paces the glasses, while one runs.
    var ticker: RepeatedTask?

    /// Forgets everything, ready for the next measurement.
    func reset() {
        self.counters = [StackCounters(), StackCounters()]
        self.echoHandlers = []
        self.users = []
        self.broadcasts = []
        self.finishedEcho = 0
        self.ticker?.cancel()
        self.ticker = nil
    }
}

@available(*, unavailable)
extension LoopStats: Sendable {}
