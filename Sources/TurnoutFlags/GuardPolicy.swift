import TurnoutConfigFile

/// A flag's `guard:` block: how the in-process ramp guard compares native with compat, and what
/// it does when native is worse.
///
/// Every field has the production default of docs/flags.md, chosen for a ramp that holds a step
/// for minutes: a verdict per minute, 200 samples per stack before any verdict, three bad
/// minutes in a row before a trip.
public struct GuardPolicy: Sendable, Hashable {
    /// What a trip does.
    public enum Action: String, Sendable, Hashable, CaseIterable {
        /// Force the flag's effective percentage to 0 (pinned users stay pinned), and alert.
        case rollback
        /// Log, count and show the trip; change nothing.
        case alert
    }

    /// Each verdict compares the two stacks over this window. Default: 60 s.
    public var window: Duration
    /// The fewest samples per stack and signal for a verdict. Default: 200.
    public var minSamples: Int
    /// Bad windows in a row before the guard trips. Default: 3.
    public var consecutive: Int
    /// Native's abnormal-close rate may be at most this × compat's. Default: 2.0.
    public var abnormalCloses: Double
    /// Native's handling-time p99 may be at most this × compat's. Default: 1.5.
    public var handlingP99: Double
    /// Native's backpressure events per connection may be at most this × compat's. Default: 2.0.
    public var backpressure: Double
    /// What a trip does. Default: rollback.
    public var action: Action

    /// Creates a policy; every parameter has the flags.yaml default.
    public init(
        window: Duration = .seconds(60),
        minSamples: Int = 200,
        consecutive: Int = 3,
        abnormalCloses: Double = 2.0,
        handlingP99: Double = 1.5,
        backpressure: Double = 2.0,
        action: Action = .rollback
    ) {
        self.window = window
        self.minSamples = minSamples
        self.consecutive = consecutive
        self.abnormalCloses = abnormalCloses
        self.handlingP99 = handlingP99
        self.backpressure = backpressure
        self.action = action
    }

    /// The keys of a `guard:` block, in the order the docs list them.
    public static let keys = ["window", "min_samples", "consecutive", "abnormal_closes", "handling_p99", "backpressure", "action"]
}

extension GuardPolicy {
    /// Every key with its value as flags.yaml would write it, in the documented order: for the
    /// reload diff and `turnout flags check`.
    public var fields: [(key: String, value: String)] {
        [
            ("window", ConfigReader.formatDuration(window)),
            ("min_samples", "\(minSamples)"),
            ("consecutive", "\(consecutive)"),
            ("abnormal_closes", "\(abnormalCloses)"),
            ("handling_p99", "\(handlingP99)"),
            ("backpressure", "\(backpressure)"),
            ("action", action.rawValue),
        ]
    }

}
