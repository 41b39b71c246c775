import Foundation
import Testing
import TurnoutConfigFile
import TurnoutFlags
import TurnoutServer
import TurnoutTestSupport

/// Editing flags.yaml while the server runs: new connections move at once, open ones keep their
/// stack (or are migrated with 1012 when the flag says so).
@Suite("Live flag edits, end to end", .timeLimit(.minutes(1)))
struct LiveFlagTests {
    /// Waits for the server to apply the next version of flags.yaml.
    func awaitApplied(_ events: AsyncStream<ReloadEvent>) async {
        for await event in events {
            if case .applied = event.result { return }
        }
    }

    @Test("an edit moves new connections at once; connections already open keep their stack")
    func editMovesNewConnections() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let before = try await server.admin("/admin/route?userId=early@example.com")
            #expect(before.status == 200)
            #expect(before.body.contains(#""stack":"compat","rule":"rollout""#))
            let early = try await server.connectGlasses("early@example.com")
            _ = await early.nextMessage()

            let reloads = server.running.flags.reloadEvents()
            try server.writeFlags(TestServer.flags(allOn: .native))
            await awaitApplied(reloads)

            let after = try await server.admin("/admin/route?userId=late@example.com")
            #expect(
                after.body.hasPrefix(
                    #"{"userId":"late@example.com","flag":"native-transport","endpoint":"glasses","stack":"native","rule":"rollout","#
                )
            )
            let late = try await server.connectGlasses("late@example.com")
            _ = await late.nextMessage()

            let earlySockets = try await server.admin("/admin/connections?userId=early@example.com")
            #expect(earlySockets.body.contains(#""stack":"compat""#))
            let lateSockets = try await server.admin("/admin/connections?userId=late@example.com")
            #expect(lateSockets.body.contains(#""stack":"native""#))
            let counts = try await server.admin("/admin/connections")
            #expect(counts.body == #"{"connections":{"compat":{"app":0,"glasses":1},"native":{"app":0,"glasses":1}},"total":2}"#)

            let flags = try await server.admin("/admin/flags")
            #expect(flags.body.contains(#""percentage":100"#))
            #expect(flags.body.contains(#""ok":true"#))
            await early.close()
            await late.close()
        }
    }

    @Test("an invalid edit keeps the last good flags and /admin/flags shows where the error is")
    func invalidEdit() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let reloads = server.running.flags.reloadEvents()
            try server.writeFlags("version: 1\nflags:\n  native-transport:\n    percentge: 100\n")
            for await event in reloads where !event.ok { break }
            let flags = try await server.admin("/admin/flags")
            #expect(flags.body.contains(#""ok":false"#))
            #expect(flags.body.contains("flags.yaml:4:5: unknown key 'percentge'; did you mean 'percentage'?"))
            let route = try await server.admin("/admin/route?userId=someone@example.com")
            #expect(route.body.contains(#""stack":"compat""#))
        }
    }

    @Test("SIGHUP reloads flags.yaml at once, even when nothing changed; /admin/flags shows the request")
    func sighup() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat), reloadsOnSIGHUP: true) { server in
            let reloads = server.running.flags.reloadEvents()
            // The server traps SIGHUP before it reports running, so this cannot end the test process.
            kill(getpid(), SIGHUP)
            var requested: ReloadEvent?
            for await event in reloads where event.trigger == .request {
                requested = event
                break
            }
            #expect(requested?.resultLabel == "unchanged")
            let flags = try await server.admin("/admin/flags")
            #expect(flags.body.contains(#""trigger":"request""#))
            #expect(flags.body.contains(#""ok":true"#))
        }
    }

    @Test("on_change: migrate closes connections whose stack changed with 1012 Service restart")
    func migrate() async throws {
        let flags = "version: 1\nflags:\n  native-transport:\n    percentage: 0\n    on_change: migrate\n    migrate_window: 0s\n"
        try await withTestServer(flags: flags) { server in
            let glasses = try await server.connectGlasses("mover@example.com")
            _ = await glasses.nextMessage()
            try server.writeFlags(flags.replacingOccurrences(of: "percentage: 0", with: "percentage: 100"))
            let transcript = Transcript()
            await transcript.receiveUntilClosed("glasses", from: glasses)
            #expect(transcript.lines == ["glasses ← close 1012 Service restart", "glasses ← tcp closed"])
        }
    }

    @Test("the admin port answers /metrics with both stacks' traffic")
    func metrics() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .native)) { server in
            let glasses = try await server.connectGlasses("metrics@example.com")
            _ = await glasses.nextMessage()
            let metrics = try await server.admin("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.body.contains("turnout_connections_active{"))
            #expect(metrics.body.contains(#"turnout_upgrades_total{result="accepted"}"#))
            #expect(metrics.body.contains(#"turnout_decisions_total{stack="native",reason="rollout"}"#))
            await glasses.close()
        }
    }
}
