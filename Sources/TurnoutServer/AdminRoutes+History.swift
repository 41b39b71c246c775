import Foundation
import TurnoutConfigFile
import TurnoutFlags

extension AdminRoutes {
    /// `GET /admin/flags/history`: `{"file","capacity","entries":[…]}`, newest entry first.
    ///
    /// Each entry: `at`, `trigger` (`startup`, `event`, `poll`, `request`), `result` (`applied`,
    /// `unchanged`, `invalid`, `unavailable`), `ok`, `sha256` (or null without bytes), `changes`
    /// (one line per changed key; empty unless applied), and `generation` when applied or `error`
    /// when not ok.
    static func history(of flags: FlagStore) -> [String: Any] {
        [
            "file": flags.path,
            "capacity": ReloadHistory.defaultCapacity,
            "entries": flags.history.map(entry),
        ]
    }

    private static func entry(_ event: ReloadEvent) -> [String: Any] {
        var entry: [String: Any] = [
            "at": iso8601(event.at),
            "trigger": event.trigger.rawValue,
            "result": event.resultLabel,
            "ok": event.ok,
            "sha256": event.sha256.map { $0 as Any } ?? NSNull(),
            "changes": event.changes,
        ]
        if let generation = event.generation { entry["generation"] = generation }
        if let error = event.error { entry["error"] = error }
        return entry
    }
}
