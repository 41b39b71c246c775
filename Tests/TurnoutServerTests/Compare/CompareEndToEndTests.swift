import Foundation
import Testing
import TurnoutTestSupport

@testable import TurnoutServer

@Suite("/admin/compare on a running server", .timeLimit(.minutes(1)))
struct CompareEndToEndTests {
    /// One user pinned to each stack; everybody else on compat.
    static let flags = """
        version: 1
        flags:
          native-transport:
            percentage: 0
            users:
              native: [nat@example.com]
              compat: [com@example.com]

        """

    @Test("a glasses connection on each stack is counted on its own side, with its messages")
    func countsBothStacks() async throws {
        let scheduler = ManualScheduler()
        let sampled = EventQueue<Void>()
        let sampling = CompareSampling(scheduler: scheduler, now: { scheduler.now }, onSample: { sampled.yield(()) })
        try await withTestServer(flags: Self.flags, compareSampling: sampling) { server in
            // The sampler took its first sample when the server started.
            _ = await sampled.next()
            var clients: [RawWebSocketClient] = []
            for email in ["com@example.com", "nat@example.com"] {
                let glasses = try await server.connectGlasses(email)
                _ = await glasses.next()  // open and counted: the server spoke first
                try await glasses.sendText(#"{"type":"connection_init","coreToken":"ignored"}"#)
                _ = await glasses.next()
                // The reply goes out before the handling time is recorded; a ping's pong comes
                // after the message's handling has finished on the connection's loop.
                try await glasses.send(opcode: 9, [1])
                #expect(await glasses.next() == .server(10, [1]))
                clients.append(glasses)
            }
            scheduler.advance(by: .seconds(2))
            _ = await sampled.next()

            let answer = try await server.admin("/admin/compare")
            #expect(answer.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            let windows = try #require(object["windows"] as? [String: Any])
            let minute = try #require(windows["1m"] as? [String: Any])
            #expect(minute["seconds"] as? Int == 2)
            // The registry is the process's, shared with tests running alongside: at least ours.
            for stack in ["compat", "native"] {
                let figures = try #require(minute[stack] as? [String: Any], "\(stack)")
                let connections = try #require(figures["connections"] as? [String: [String: Int]])
                #expect((connections["open"]?["glasses"] ?? 0) >= 1, "\(stack)")
                #expect((connections["opened"]?["glasses"] ?? 0) >= 1, "\(stack)")
                #expect((figures["messagesInPerSecond"] as? Double ?? 0) >= 0.5, "\(stack)")
                let handling = try #require(figures["handling"] as? [String: Any])
                #expect((handling["count"] as? Int ?? 0) >= 1, "\(stack)")
                #expect(handling["p99Microseconds"] is NSNumber, "\(stack)")
            }
            let ratio = try #require(minute["ratio"] as? [String: Any])
            #expect(ratio["messagesInPerSecond"] is NSNumber)
            for client in clients {
                try await client.sendClose(1000)
                _ = await client.transcript()
            }
        }
    }

    @Test("turnout compare reads a live server beyond loopback with its admin token, and names a refusal")
    func compareCommandAgainstLiveServer() async throws {
        let scheduler = ManualScheduler()
        let sampled = EventQueue<Void>()
        let sampling = CompareSampling(scheduler: scheduler, now: { scheduler.now }, onSample: { sampled.yield(()) })
        let beyondLoopback: (inout TurnoutConfiguration) -> Void = {
            $0.adminHost = "0.0.0.0"
            $0.adminToken = "compare-token"
        }
        try await withTestServer(flags: Self.flags, compareSampling: sampling, configure: beyondLoopback) { server in
            _ = await sampled.next()
            let glasses = try await server.connectGlasses("nat@example.com")
            _ = await glasses.next()
            scheduler.advance(by: .seconds(2))
            _ = await sampled.next()

            let url = "http://127.0.0.1:\(server.running.adminPort)"
            let snapshot = try await CompareFetcher.fetch(adminURL: url, token: "compare-token")
            let minute = try #require(snapshot.windows["1m"])
            #expect(minute.seconds == 2)
            #expect((minute.native.connections.opened["glasses"] ?? 0) >= 1)

            var refused: CompareFetchError?
            do throws(CompareFetchError) {
                _ = try await CompareFetcher.fetch(adminURL: url, token: nil)
            } catch {
                refused = error
            }
            #expect(refused?.message.hasPrefix("HTTP 401") == true)

            let table = CompareTable.render(
                [.init(name: url, answer: .success(snapshot)), .init(name: url + "/", answer: .success(snapshot))],
                window: "1m"
            )
            let rows = table.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            #expect(rows.contains { $0.prefix(2) == ["all", "compat"] })
            #expect(rows.contains { $0.prefix(2) == [url, "compat"] })
            #expect(rows.contains { $0.first == "native" })
            try await glasses.sendClose(1000)
            _ = await glasses.transcript()
        }
    }
}
