/// A signal the guard compares between the stacks.
package enum GuardSignal: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Abnormal closes per connection-minute, against `abnormal_closes`.
    case abnormalCloses = "abnormal_closes"
    /// Handling-time p99, against `handling_p99`.
    case handlingP99 = "handling_p99"
    /// Backpressure events per connection, against `backpressure`.
    case backpressure
    /// Upgrades that failed after the decision, per upgrade, against `abnormal_closes`.
    case upgradeFailures = "upgrade_failures"

    package var description: String { rawValue }
}
