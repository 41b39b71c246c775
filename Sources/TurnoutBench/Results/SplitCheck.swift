/// The observability check of a `split:P` run: did the server's `/metrics` see the stacks
/// carry traffic in the ratio asked for?
///
/// Operators judge a ramp from `/metrics`, so a split whose metrics disagree with the bench,
/// or with the split itself, is a failed run, not a footnote.
package struct SplitCheck: Codable, Hashable, Sendable {
    /// How far, in percentage points, the metrics' native share may be from ``nativePercent``.
    package static let tolerancePoints = 5.0

    /// The split asked for: `P` of `split:P`.
    package var nativePercent: Int
    /// Native's share of the connections that carried load, %.
    package var connectionsNativePercent: Double
    /// Native's share of the app deliveries the bench received, %.
    package var benchNativePercent: Double
    /// Native's share of the app deliveries `/metrics` counted
    /// (`turnout_messages_sent_total{endpoint="app"}`), %; `nil` when nothing was delivered.
    package var metricsNativePercent: Double?

    /// Builds the check from a split measurement's per-stack results.
    ///
    /// - Returns: `nil` when a stack is missing or the scenario has no `/metrics` counts (echo).
    package init?(nativePercent: Int, compat: StackResult?, native: StackResult?) {
        guard let compat, let native, let compatCount = compat.metricsDeliveries, let nativeCount = native.metricsDeliveries else { return nil }
        func share(_ native: Int, _ compat: Int) -> Double? {
            native + compat == 0 ? nil : 100 * Double(native) / Double(native + compat)
        }
        self.nativePercent = nativePercent
        self.connectionsNativePercent = share(native.connections, compat.connections) ?? 0
        self.benchNativePercent = share(native.received, compat.received) ?? 0
        self.metricsNativePercent = share(nativeCount, compatCount)
    }

    /// Whether `/metrics` shows native within ``tolerancePoints`` of the split.
    package var isWithinTolerance: Bool {
        guard let metrics = self.metricsNativePercent else { return false }
        return abs(metrics - Double(self.nativePercent)) <= Self.tolerancePoints
    }

    /// One line for the terminal: the shares and the verdict.
    package var summary: String {
        let metrics = self.metricsNativePercent.map { Self.percent($0) } ?? "nothing"
        let verdict = self.isWithinTolerance ? "OK" : "FAILED"
        return
            "split:\(self.nativePercent): /metrics counted \(metrics) of app deliveries on native (bench: \(Self.percent(self.benchNativePercent)), "
            + "connections: \(Self.percent(self.connectionsNativePercent))); expected \(self.nativePercent) ± \(Int(Self.tolerancePoints)) points: \(verdict)"
    }

    private static func percent(_ value: Double) -> String {
        ResultTable.number(value, decimals: 1) + " %"
    }
}
