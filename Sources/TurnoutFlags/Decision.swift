/// Which stack a connection gets, and why.
///
/// Every decision can be explained to an operator: the flag, the rule that applied, the user's
/// bucket and the percentage it was compared with.
public struct Decision: Sendable, Hashable {
    /// The rule that decided, in the order the store tries them.
    public enum Rule: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        /// No such flag, or `enabled: false`: compat.
        case disabled
        /// The endpoint is not in the flag's `endpoints`: compat.
        case endpoint
        /// The user is in `users.compat`.
        case pinnedCompat = "pinned-compat"
        /// The user is in `users.native`.
        case pinnedNative = "pinned-native"
        /// The connection carries no user (a legacy app upgrade): the flag's `unidentified` stack.
        case unidentified
        /// The user's bucket against the percentage.
        case rollout
        /// The ramp guard tripped and forced the flag's percentage to 0: compat.
        case guardRollback = "guard-rollback"

        public var description: String { rawValue }
    }

    /// The flag consulted.
    public var flag: String
    /// The endpoint the connection arrived on.
    public var endpoint: Endpoint
    /// The stack chosen.
    public var stack: Stack
    /// The rule that chose it.
    public var rule: Rule
    /// The user's bucket in `0..<10_000` under the flag's salt, or `nil` when there is no user.
    public var bucket: Int?
    /// The flag's percentage at the time (zero when the flag does not exist).
    public var percentage: Percentage

    /// Creates a decision.
    public init(flag: String, endpoint: Endpoint, stack: Stack, rule: Rule, bucket: Int?, percentage: Percentage) {
        self.flag = flag
        self.endpoint = endpoint
        self.stack = stack
        self.rule = rule
        self.bucket = bucket
        self.percentage = percentage
    }

    /// The reason in a few words: `rollout: bucket 412 < 500`, `pinned-native`.
    public var explanation: String {
        switch rule {
        case .rollout:
            let bucket = bucket ?? 0
            let comparison = bucket < percentage.hundredths ? "<" : "≥"
            return "rollout: bucket \(bucket) \(comparison) \(percentage.hundredths)"
        case .endpoint:
            return "endpoint: \(endpoint) not in the flag's endpoints"
        case .guardRollback:
            return "guard-rollback: the ramp guard forced 0 % (bucket \(bucket ?? 0))"
        case .disabled, .pinnedCompat, .pinnedNative, .unidentified:
            return rule.rawValue
        }
    }
}
