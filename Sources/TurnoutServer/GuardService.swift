import Foundation
import Logging
import Metrics
import NIOConcurrencyHelpers
import ServiceLifecycle
import TurnoutConfigFile
import TurnoutCore
import TurnoutFlags
import TurnoutGuard

/// The ramp guard of `native-transport`: every `guard.window` it compares native with compat on
/// this instance's own users, and after `consecutive` bad windows it trips.
///
/// On a trip it logs the figures, counts `turnout_guard_trips_total{flag,signal}`, and with
/// `action: rollback` forces the flag's effective percentage to 0 through ``GuardRollbacks``
/// (pinned users stay pinned) and, under `on_change: migrate`, has the ``StackMigrator`` move
/// the open native connections to compat over `migrate_window`. Any applied change to the flag's
/// definition re-arms it, and so does ``reset(flag:)`` (`POST /admin/flags/<name>/guard/reset`).
///
/// Timers come from an injected ``CoreScheduler`` and readings from an injected closure, so the
/// tests drive whole trips on a ``ManualScheduler`` without sleeping.
final class GuardService: Service, Sendable {
    /// What `/admin/flags` and the dashboard show.
    struct Status: Sendable {
        var policy: GuardPolicy
        var state: GuardMonitor.State
        var lastVerdict: WindowVerdict?
        var windowsJudged: Int
        /// Bad windows since the guard was armed, by the signal that made each bad (its first),
        /// whether or not they came in a run long enough to trip.
        var badWindows: [GuardSignal: Int]
    }

    /// The reading of both stacks' cumulative counters.
    typealias Reading = (native: StackSignals.Cumulative, compat: StackSignals.Cumulative)

    private struct State {
        /// The flag's definition the monitor was armed with; `nil` when it has no guard.
        var definition: FlagDefinition?
        var monitor: GuardMonitor?
        var baseline: Reading?
        var windowsJudged = 0
        var badWindows: [GuardSignal: Int] = [:]
        /// Bumped at every re-arm, so a timer of the previous arming does nothing.
        var arming: UInt64 = 0
        var pending: (any ScheduledWork)?
        var stopped = false
    }

    private let flags: FlagStore
    private let rollbacks: GuardRollbacks
    private let scheduler: any CoreScheduler
    private let read: @Sendable () -> Reading
    private let now: @Sendable () -> Date
    private let migrate: @Sendable (FlagSnapshot) -> Void
    private let onWindow: @Sendable (WindowVerdict, GuardTrip?) -> Void
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    /// Creates the guard.
    /// - Parameters:
    ///   - flags: The flag store whose `native-transport` it guards.
    ///   - rollbacks: Where a rollback takes effect on decisions.
    ///   - scheduler: Runs the window timers.
    ///   - read: Reads both stacks' counters.
    ///   - now: The wall-clock time of a trip.
    ///   - migrate: Moves open connections to the stack the flag now decides (``StackMigrator``).
    ///   - onWindow: Called after every judged window (tests wait on it).
    ///   - logger: Trips and re-arms are logged.
    init(
        flags: FlagStore,
        rollbacks: GuardRollbacks,
        scheduler: any CoreScheduler,
        read: @escaping @Sendable () -> Reading,
        now: @escaping @Sendable () -> Date = Date.init,
        migrate: @escaping @Sendable (FlagSnapshot) -> Void,
        onWindow: @escaping @Sendable (WindowVerdict, GuardTrip?) -> Void = { _, _ in },
        logger: Logger
    ) {
        self.flags = flags
        self.rollbacks = rollbacks
        self.scheduler = scheduler
        self.read = read
        self.now = now
        self.migrate = migrate
        self.onWindow = onWindow
        self.logger = logger
    }

    /// Arms on the current flags, then re-arms on every applied change of the flag, until
    /// graceful shutdown.
    func run() async throws {
        let events = self.flags.reloadEvents()
        self.flagsApplied(self.flags.snapshot)
        await cancelWhenGracefulShutdown {
            for await event in events {
                if case .applied(_) = event.result { self.flagsApplied(self.flags.snapshot) }
            }
        }
        self.state.withLockedValue { state in
            state.stopped = true
            state.pending?.cancel()
        }
    }

    /// A snapshot came into force: re-arm if the guarded flag's definition changed. The
    /// ``StackMigrator`` calls it before migrating, so that a lifted rollback is already lifted.
    func flagsApplied(_ snapshot: FlagSnapshot) {
        let flag = FlagFile.nativeTransport
        let definition = snapshot.file.flag(named: flag)
        let changed = self.state.withLockedValue { $0.definition != definition || ($0.monitor == nil && definition?.guardPolicy != nil) }
        guard changed else {
            // The store has just recorded the file's percentage for every flag; a rollback still
            // in force keeps the gauge at what the router applies.
            if self.rollbacks.isRolledBack(flag) { EffectivePercentageGauge.record(flag: flag, percentage: .zero) }
            return
        }
        self.arm(definition, reason: "the flag changed")
    }

    /// Re-arms the guard of `flag` by an operator's request; `false` when the flag has no guard.
    func reset(flag: String) -> Bool {
        let definition = self.flags.snapshot.file.flag(named: flag)
        guard flag == FlagFile.nativeTransport, definition?.guardPolicy != nil else { return false }
        self.arm(definition, reason: "reset")
        return true
    }

    /// The guard's state, or `nil` when the flag has no guard.
    func status(flag: String) -> Status? {
        guard flag == FlagFile.nativeTransport else { return nil }
        return self.state.withLockedValue { state in
            guard let monitor = state.monitor else { return nil }
            return Status(
                policy: monitor.policy,
                state: monitor.state,
                lastVerdict: monitor.lastVerdict,
                windowsJudged: state.windowsJudged,
                badWindows: state.badWindows
            )
        }
    }

    private func arm(_ definition: FlagDefinition?, reason: String) {
        let flag = FlagFile.nativeTransport
        let reading = self.read()
        let (wasRolledBack, window, arming) = self.state.withLockedValue { state in
            state.pending?.cancel()
            state.pending = nil
            state.definition = definition
            state.monitor = definition?.guardPolicy.map(GuardMonitor.init(policy:))
            state.baseline = reading
            state.windowsJudged = 0
            state.badWindows = [:]
            state.arming &+= 1
            return (self.rollbacks.lift(flag), definition?.guardPolicy?.window, state.arming)
        }
        if wasRolledBack {
            let percentage = definition.map { $0.enabled ? $0.percentage : .zero } ?? .zero
            EffectivePercentageGauge.record(flag: flag, percentage: percentage)
            self.logger.notice("ramp guard re-armed; rollback lifted", metadata: ["flag": "\(flag)", "reason": "\(reason)"])
            if reason == "reset" { self.migrate(self.flags.snapshot) }
        }
        if let window {
            // Every signal's trip counter exists from the start, at 0, so that the first trip is
            // an increase Prometheus can see.
            for signal in GuardSignal.allCases {
                _ = Counter(label: "turnout_guard_trips_total", dimensions: [("flag", flag), ("signal", signal.rawValue)])
            }
            self.schedule(after: window, arming: arming)
        }
    }

    private func schedule(after window: Duration, arming: UInt64) {
        self.state.withLockedValue { state in
            guard !state.stopped, state.arming == arming else { return }
            state.pending = self.scheduler.schedule(after: window) { self.judge(arming: arming) }
        }
    }

    /// Judges the window that just ended, then schedules the next.
    private func judge(arming: UInt64) {
        let reading = self.read()
        let time = self.now()
        let outcome: (WindowVerdict, GuardTrip?, GuardPolicy)? = self.state.withLockedValue { state in
            guard !state.stopped, state.arming == arming, var monitor = state.monitor, let baseline = state.baseline else { return nil }
            let verdict = WindowVerdict(
                policy: monitor.policy,
                native: StackWindow(from: baseline.native, to: reading.native),
                compat: StackWindow(from: baseline.compat, to: reading.compat)
            )
            let trip = monitor.record(verdict, at: time)
            if let trip, trip.action == .rollback {
                // Under the lock, so that a re-arm (an edit, a reset) cannot slip in between.
                self.rollbacks.rollBack(FlagFile.nativeTransport)
            }
            state.monitor = monitor
            state.baseline = reading
            state.windowsJudged += 1
            if let bad = verdict.firstBad { state.badWindows[bad.signal, default: 0] += 1 }
            return (verdict, trip, monitor.policy)
        }
        guard let (verdict, trip, policy) = outcome else { return }
        Counter(label: "turnout_guard_windows_total", dimensions: [("flag", FlagFile.nativeTransport), ("result", Self.label(verdict))]).increment()
        if let trip { self.tripped(trip) }
        self.onWindow(verdict, trip)
        self.schedule(after: policy.window, arming: arming)
    }

    /// `bad`, `good` (a verdict on some signal, none bad) or `no_verdict` (too few samples everywhere).
    private static func label(_ verdict: WindowVerdict) -> String {
        verdict.firstBad != nil ? "bad" : verdict.isEmpty ? "no_verdict" : "good"
    }

    private func tripped(_ trip: GuardTrip) {
        let flag = FlagFile.nativeTransport
        let result = trip.result
        Counter(label: "turnout_guard_trips_total", dimensions: [("flag", flag), ("signal", result.signal.rawValue)]).increment()
        self.logger.error(
            trip.action == .rollback ? "ramp guard tripped; rolling native back to 0 %" : "ramp guard tripped; alert only, nothing rolled back",
            metadata: [
                "flag": "\(flag)", "signal": "\(result.signal)", "action": "\(trip.action)", "windows": "\(trip.windows)",
                "native": "\(SignalResult.format(result.native))", "compat": "\(SignalResult.format(result.compat))",
                "pValue": "\(SignalResult.format(result.pValue))", "nativeSamples": "\(result.nativeSamples)",
                "compatSamples": "\(result.compatSamples)", "figures": "\(result.summary)",
            ]
        )
        guard trip.action == .rollback else { return }
        EffectivePercentageGauge.record(flag: flag, percentage: .zero)
        self.migrate(self.flags.snapshot)
    }
}
