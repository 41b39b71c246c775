/// The workload: `--scenario echo|fanout|glasses|broadcast|idle`.
package enum BenchScenario: String, CaseIterable, Codable, Sendable {
    /// N connections doing closed-loop round trips of S-byte text on `/echo-ws`.
    case echo
    /// One user's glasses publishing JSON events to K subscribed apps over the real protocol,
    /// closed loop: at most `window` events outstanding until every app has it.
    case fanout
    /// U users, each with glasses and A apps: JSON events at rate R and 640-byte audio at 50/s.
    case glasses
    /// One publisher and K subscribers on `/fanout-ws` (the raw broadcast room, no core): S-byte
    /// text messages, closed loop with at most `window` messages not yet at every subscriber.
    case broadcast
    /// N connections on `/echo-ws`, each checked with one round trip, then held open with no
    /// traffic: the server's resident memory per connection.
    case idle

    /// Whether the scenario runs through the session core (glasses and apps, tokens, webhooks,
    /// flags), rather than on `/echo-ws` or `/fanout-ws`, which name their stack themselves.
    package var usesCore: Bool { self == .fanout || self == .glasses }
}
