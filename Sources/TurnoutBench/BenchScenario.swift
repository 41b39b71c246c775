/// The workload: `--scenario echo|fanout|glasses`.
package enum BenchScenario: String, CaseIterable, Codable, Sendable {
    /// N connections doing closed-loop round trips of S-byte text on `/echo-ws`.
    case echo
    /// One user's glasses publishing JSON events to K subscribed apps over the real protocol,
    /// closed loop: at most `window` events outstanding until every app has it.
    case fanout
    /// U users, each with glasses and A apps: JSON events at rate R and 640-byte audio at 50/s.
    case glasses
}
