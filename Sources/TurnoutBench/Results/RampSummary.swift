/// The lines `turnout bench` prints for a ramp: one per step, the totals, then every failure
/// prefixed `error:`.
package enum RampSummary {
    /// The lines, in order.
    package static func lines(_ ramp: RampResult) -> [String] {
        // A soak has a step every 10 s: beyond a dozen, only the steps that failed are listed.
        var lines = ramp.steps.count <= 12 ? ramp.steps.map(\.summary) : ramp.steps.filter { !$0.failures.isEmpty }.map(\.summary)
        if ramp.steps.count > 12 {
            lines.insert("\(ramp.steps.count) steps, \(ramp.steps.filter { !$0.failures.isEmpty }.count) with a failure", at: 0)
        }
        func ms(_ value: Double?) -> String { value.map { "\(ResultTable.number($0, decimals: 0)) ms" } ?? "–" }
        lines.append(
            "moves: max \(ms(ramp.moveMaxMs)), p50 \(ms(ramp.moveP50Ms)) from the edit to the new stack (migrate_window \(ResultTable.number(ramp.migrateWindowSeconds, decimals: 2)) s, clients reconnect 1 s after a 1012)"
        )
        lines.append(
            "sockets closed with 1012: \(ramp.closes1012), reconnected: \(ramp.reconnects); app_stopped: \(ramp.appStopped); webhook restarts: \(ramp.graceRestarts) after a grace ran out, \(ramp.unexplainedRestarts) within it"
        )
        lines.append(
            "deliveries lost: \(ramp.lost), reordered: \(ramp.reordered); written after a close frame left (not on an open socket): \(ramp.inFlightAtClose); routed while an app was between sockets: \(ramp.skippedWhileReconnecting); audio dropped for slow consumers: \(ramp.droppedWhileSlow)"
        )
        lines += ramp.failures.map { "error: ramp: \($0)" }
        return lines
    }
}
