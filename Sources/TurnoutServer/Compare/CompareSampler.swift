import NIOConcurrencyHelpers
import ServiceLifecycle
import TurnoutCore

/// Samples the server's counts into a ``CompareHistory`` every 2 s: the service behind
/// `/admin/compare`.
///
/// ``run()`` takes a sample at once, then one per ``CompareHistory/interval`` on its scheduler,
/// until graceful shutdown. Time comes from an injected clock and timers from an injected
/// ``CoreScheduler``, so tests drive it with a ``ManualScheduler`` and never sleep. A reading
/// renders the Prometheus registry once (a few hundred lines); nothing is added per message.
struct CompareSampler: Service {
    private let history: CompareHistory
    private let scheduler: any CoreScheduler
    private let now: @Sendable () -> Duration
    private let read: @Sendable () -> CompareReading
    private let onSample: @Sendable () -> Void

    /// Creates the sampler.
    /// - Parameters:
    ///   - history: Where the samples go.
    ///   - scheduler: Runs the next sample after 2 s.
    ///   - now: The monotonic time of a sample.
    ///   - read: Takes a reading; production reads the server's Prometheus registry.
    ///   - onSample: Called after every sample (tests wait on it).
    init(
        history: CompareHistory,
        scheduler: any CoreScheduler,
        now: @escaping @Sendable () -> Duration,
        read: @escaping @Sendable () -> CompareReading,
        onSample: @escaping @Sendable () -> Void = {}
    ) {
        self.history = history
        self.scheduler = scheduler
        self.now = now
        self.read = read
        self.onSample = onSample
    }

    /// Samples until graceful shutdown (or cancellation), then cancels the pending timer.
    func run() async throws {
        let ticker = Ticker(scheduler: self.scheduler) { self.sample() }
        ticker.tick()
        try? await gracefulShutdown()
        ticker.stop()
    }

    private func sample() {
        self.history.append(self.read(), at: self.now())
        self.onSample()
    }
}

/// The chain of timers of one run: each tick samples and schedules the next.
private final class Ticker: Sendable {
    private struct State {
        var stopped = false
        var pending: (any ScheduledWork)?
    }

    private let scheduler: any CoreScheduler
    private let sample: @Sendable () -> Void
    private let state = NIOLockedValueBox(State())

    init(scheduler: any CoreScheduler, sample: @escaping @Sendable () -> Void) {
        self.scheduler = scheduler
        self.sample = sample
    }

    /// Samples, then schedules the next tick unless stopped meanwhile.
    func tick() {
        guard !self.state.withLockedValue({ $0.stopped }) else { return }
        self.sample()
        self.state.withLockedValue { state in
            guard !state.stopped else { return }
            state.pending = self.scheduler.schedule(after: CompareHistory.interval) { self.tick() }
        }
    }

    /// Stops the chain; a tick already running samples but schedules no other.
    func stop() {
        let pending = self.state.withLockedValue { state in
            state.stopped = true
            return state.pending.take()
        }
        pending?.cancel()
    }
}
