import TurnoutCore
import TurnoutTransport

/// Where each figure sits in a ``CompareReading``'s flat row of numbers.
///
/// One fixed layout for every sample, so a sample is always ``width`` `Double`s and the history's
/// memory is fixed (docs/operations.md, "A/B in staging"). Per stack, in this order: open
/// connections and opened connections by endpoint, messages and bytes in and out, the cumulative
/// handling-time buckets, closes by code, backpressure events by kind. After both stacks: upgrade
/// refusals by reason, which belong to no stack.
enum CompareLayout {
    /// The stacks compared, in their column order.
    static let stacks = ["compat", "native"]
    /// The endpoints connections are counted by.
    static let endpoints = ConnectionEndpoint.allCases.map(\.rawValue)
    /// Close codes counted one by one; any other code counts as `other`. The server records a
    /// close without a code (the socket ended, 1006, or a close frame without one, 1005) as
    /// `code="none"`, counted here as `1006`.
    static let closeCodes = ["1000", "1001", "1002", "1006", "1007", "1008", "1009", "1011", "1012", "other"]
    /// The codes that mean a broken connection rather than a decision: protocol error, no close
    /// frame, bad UTF-8, too big, internal error.
    static let abnormalCloseCodes: Set<String> = ["1002", "1006", "1007", "1009", "1011"]
    /// The backpressure kinds, as `turnout_backpressure_events_total{kind}` names them.
    static let backpressureKinds = BackpressureCounters.Kind.allCases.map(\.rawValue)
    /// The refusal reasons of `turnout_upgrades_total{result}`; any other counts as `other`.
    static let refusalReasons = ["bad_handshake", "invalid_token", "missing_headers", "missing_token", "not_found", "other"]
    /// The handling-time bucket upper bounds in seconds, `+Inf` last.
    static let bucketBounds: [Double] =
        TurnoutMetrics.durationBuckets.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 } + [.infinity]

    /// Offset of the open connections of the first endpoint, within a stack.
    static let open = 0
    /// Offset of the opened connections of the first endpoint, within a stack.
    static let opened = endpoints.count
    /// Offset of the messages received, within a stack.
    static let messagesIn = 2 * endpoints.count
    /// Offset of the messages sent, within a stack.
    static let messagesOut = messagesIn + 1
    /// Offset of the bytes received, within a stack.
    static let bytesIn = messagesIn + 2
    /// Offset of the bytes sent, within a stack.
    static let bytesOut = messagesIn + 3
    /// Offset of the first cumulative handling-time bucket, within a stack.
    static let buckets = messagesIn + 4
    /// Offset of the first close code, within a stack.
    static let closes = buckets + bucketBounds.count
    /// Offset of the first backpressure kind, within a stack.
    static let backpressure = closes + closeCodes.count
    /// How many numbers one stack takes.
    static let perStack = backpressure + backpressureKinds.count
    /// Index of the first refusal reason, after both stacks.
    static let refusals = stacks.count * perStack
    /// How many numbers one sample takes.
    static let width = refusals + refusalReasons.count

    /// The index of `offset` within the stack at `stack` (an index into ``stacks``).
    static func index(stack: Int, _ offset: Int) -> Int {
        stack * perStack + offset
    }
}
