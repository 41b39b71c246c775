/// The observability check of a `split:P` run: did the server's `/metrics` see the stacks
/// carry traffic in the ratio of the split?
///
/// Operators judge a ramp from `/metrics`, so a split whose metrics disagree with the split is a
/// failed run, not a footnote. What "the split" is depends on the run: with `--spawn` the bench
/// pins exactly P % of the users to native, so P is expected; with `--url` the server's own flags
/// place the users, so the share of users they put on native is expected. Only traffic paced by
/// rate (glasses) follows the users; fanout's publishers run closed loops, so each stack's
/// traffic follows its speed, and the shares are reported without a verdict.
package struct SplitCheck: Codable, Hashable, Sendable {
    /// How far, in percentage points, the metrics' native share may be from the expected one.
    package static let tolerancePoints = 5.0

    /// The split asked for: `P` of `split:P`.
    package var nativePercent: Int
    /// Native's share of the connections that carried load (users and their apps), %.
    package var connectionsNativePercent: Double
    /// Native's share of the app deliveries the bench received, %.
    package var benchNativePercent: Double
    /// Native's share of the app deliveries `/metrics` counted
    /// (`turnout_messages_sent_total{endpoint="app"}`), %; `nil` when nothing was delivered.
    package var metricsNativePercent: Double?
    /// Whether the bench pinned the users itself (`--spawn`): then P is expected, otherwise the
    /// share of connections the server's flags put on native.
    package var usersPinned: Bool
    /// Whether the traffic is paced by rate, so that it follows the users (glasses); if not
    /// (fanout), there is no verdict.
    package var ratePaced: Bool

    /// Builds the check from a split measurement's per-stack results.
    ///
    /// - Returns: `nil` when a stack is missing or the scenario has no `/metrics` counts (echo).
    package init?(nativePercent: Int, compat: StackResult?, native: StackResult?, usersPinned: Bool, ratePaced: Bool) {
        guard let compat, let native, let compatCount = compat.metricsDeliveries, let nativeCount = native.metricsDeliveries else {
            return nil
        }
        func share(_ native: Int, _ compat: Int) -> Double? {
            native + compat == 0 ? nil : 100 * Double(native) / Double(native + compat)
        }
        self.nativePercent = nativePercent
        self.connectionsNativePercent = share(native.connections, compat.connections) ?? 0
        self.benchNativePercent = share(native.received, compat.received) ?? 0
        self.metricsNativePercent = share(nativeCount, compatCount)
        self.usersPinned = usersPinned
        self.ratePaced = ratePaced
    }

    /// Native's expected share of the traffic, %.
    package var expectedNativePercent: Double {
        self.usersPinned ? Double(self.nativePercent) : self.connectionsNativePercent
    }

    /// Whether the run passes: `/metrics` shows native within ``tolerancePoints`` of the expected
    /// share (always true where there is no verdict).
    package var isWithinTolerance: Bool {
        guard self.ratePaced else { return true }
        guard let metrics = self.metricsNativePercent else { return false }
        return abs(metrics - self.expectedNativePercent) <= Self.tolerancePoints
    }

    /// One line for the terminal: the shares and the verdict.
    package var summary: String {
        let metrics = self.metricsNativePercent.map { Self.percent($0) } ?? "nothing"
        let shares =
            "split:\(self.nativePercent): /metrics counted \(metrics) of app deliveries on native "
            + "(bench: \(Self.percent(self.benchNativePercent)), connections: \(Self.percent(self.connectionsNativePercent)))"
        guard self.ratePaced else {
            return shares + "; fanout's closed loops make each stack's traffic follow its speed, so the ratio is not checked"
        }
        let expected =
            self.usersPinned
            ? "\(self.nativePercent)" : "\(Self.percent(self.expectedNativePercent)) (the users the server's flags put on native)"
        let verdict = self.isWithinTolerance ? "OK" : "FAILED"
        return shares + "; expected \(expected) ± \(Int(Self.tolerancePoints)) points: \(verdict)"
    }

    private static func percent(_ value: Double) -> String {
        ResultTable.number(value, decimals: 1) + " %"
    }
}
