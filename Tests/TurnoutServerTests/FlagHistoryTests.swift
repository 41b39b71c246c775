import Foundation
import Testing
import TurnoutConfigFile
import TurnoutFlags
import TurnoutServer

/// The audit trail on the admin port: `/admin/flags/history`, the served file's hash in
/// `/admin/flags`, and `turnout_flag_effective_percentage` in `/metrics`.
@Suite("Flag history on the admin port", .timeLimit(.minutes(1)))
struct FlagHistoryTests {
    /// A flag of its own, so that no other test running at once moves its gauge.
    static func flags(_ percentage: String, name: String = "history-probe", enabled: Bool = true) -> String {
        "version: 1\nflags:\n  \(name):\n    enabled: \(enabled)\n    percentage: \(percentage)\n  native-transport:\n    percentage: 0\n"
    }

    static func json(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    /// Waits until the server has applied (or refused) the next version of flags.yaml.
    func next(_ events: AsyncStream<ReloadEvent>, _ accept: (ReloadEvent) -> Bool) async -> ReloadEvent? {
        for await event in events where accept(event) { return event }
        return nil
    }

    @Test("every reload is listed newest first with trigger, result, hash and diff; the gauge follows")
    func history() async throws {
        try await withTestServer(flags: Self.flags("5")) { server in
            let reloads = server.running.flags.reloadEvents()
            try server.writeFlags(Self.flags("37.5"))
            _ = await next(reloads) { $0.generation != nil }
            try server.writeFlags(Self.flags("37.5").replacingOccurrences(of: "percentage: 37.5", with: "percentge: 40"))
            _ = await next(reloads) { !$0.ok }

            let answer = try await server.admin("/admin/flags/history")
            #expect(answer.status == 200)
            let history = try Self.json(answer.body)
            #expect(history["file"] as? String == server.flagsPath)
            #expect(history["capacity"] as? Int == 100)
            let entries = try #require(history["entries"] as? [[String: Any]])
            #expect(entries.count == 3)
            #expect(entries.map { $0["result"] as? String } == ["invalid", "applied", "applied"])
            // inotify reports an edit; the once-a-second poll may see it first.
            #expect(entries.map { ["event", "poll"].contains($0["trigger"] as? String ?? "") } == [true, true, false])
            #expect(entries[2]["trigger"] as? String == "startup")
            #expect(entries[1]["changes"] as? [String] == ["history-probe.percentage: 5 → 37.5"])
            #expect(entries[1]["generation"] as? Int == 2)
            #expect(entries[1]["sha256"] as? String == WatchedFileState.sha256(of: Array(Self.flags("37.5").utf8)))
            #expect(entries[1]["ok"] as? Bool == true)
            #expect((entries[0]["error"] as? String)?.contains(":5:5: unknown key 'percentge'; did you mean 'percentage'?") == true)
            #expect(entries[0]["changes"] as? [String] == [])
            #expect(entries[2]["changes"] as? [String] == [])

            // The hash of the file in force stays the last good one.
            let flags = try Self.json(try await server.admin("/admin/flags").body)
            #expect(flags["sha256"] as? String == WatchedFileState.sha256(of: Array(Self.flags("37.5").utf8)))
            let metrics = try await server.admin("/metrics").body
            #expect(metrics.contains(#"turnout_flag_effective_percentage{flag="history-probe"} 37.5"#))
        }
    }

    @Test("a disabled flag's effective percentage is 0")
    func disabledIsZero() async throws {
        try await withTestServer(flags: Self.flags("12", name: "disabled-probe")) { server in
            let reloads = server.running.flags.reloadEvents()
            try server.writeFlags(Self.flags("12", name: "disabled-probe", enabled: false))
            let event = await next(reloads) { $0.generation != nil }
            #expect(event?.changes == ["disabled-probe.enabled: true → false"])
            let metrics = try await server.admin("/metrics").body
            #expect(metrics.contains(#"turnout_flag_effective_percentage{flag="disabled-probe"} 0.0"#))
        }
    }

    @Test("a flag removed from the file drops to 0 and the history says so")
    func removedIsZero() async throws {
        try await withTestServer(flags: Self.flags("12", name: "removed-probe")) { server in
            let reloads = server.running.flags.reloadEvents()
            let before = try await server.admin("/metrics").body
            #expect(before.contains(#"turnout_flag_effective_percentage{flag="removed-probe"} 12.0"#))
            try server.writeFlags(TestServer.flags(allOn: .compat))
            let event = await next(reloads) { $0.generation != nil }
            #expect(event?.changes == ["removed-probe: removed"])
            let metrics = try await server.admin("/metrics").body
            #expect(metrics.contains(#"turnout_flag_effective_percentage{flag="removed-probe"} 0.0"#))
        }
    }
}
