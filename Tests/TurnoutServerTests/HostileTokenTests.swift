import Foundation
import Testing
import TurnoutFlags
import TurnoutTestSupport

/// Hostile tokens on both authenticated endpoints: `/glasses-ws` with the token in the header and
/// in the query, `/app-ws` in JWT mode. Every one gets the protocol's exact 401 and the server
/// keeps serving.
@Suite("Hostile tokens", .timeLimit(.minutes(1)))
struct HostileTokenTests {
    /// Connects and expects a 401; returns its body with the timestamp normalised.
    func refusal(_ server: TestServer, path: String, headers: [(String, String)]) async throws -> String {
        do {
            let client = try await RawWebSocketClient.connect(port: server.port, path: path, headers: headers)
            await client.close()
            Issue.record("\(path) was upgraded")
            throw CancellationError()
        } catch let refused as RawWebSocketClient.UpgradeRefused {
            #expect(refused.status == 401)
            #expect(refused.headers["content-type"] == "application/json")
            #expect(refused.headers["connection"] == "close")
            #expect(refused.headers["content-length"] == String(refused.body.utf8.count))
            return Transcript.normalise(refused.body)
        }
    }

    @Test("a hostile token is refused with the protocol's 401 on every endpoint", arguments: HostileToken.all)
    func hostile(token: HostileToken) async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .native)) { server in
            let glassesBody =
                token.absentForGlasses
                ? #"{"type":"connection_error","message":"No core token provided","timestamp":"<ts>"}"#
                : #"{"type":"connection_error","message":"Invalid core token","timestamp":"<ts>"}"#
            let glassesToken = token.make(.glasses)
            let inHeader = try await refusal(server, path: "/glasses-ws", headers: [("Authorization", "Bearer \(glassesToken)")])
            #expect(inHeader == glassesBody, "header")
            let encoded = glassesToken.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let inQuery = try await refusal(server, path: "/glasses-ws?token=\(encoded)", headers: [])
            #expect(inQuery == glassesBody, "query")

            let app = try await refusal(
                server,
                path: "/app-ws",
                headers: [
                    ("Authorization", "Bearer \(token.make(.app))"), ("x-user-id", "mallory@example.com"),
                    ("x-session-id", "mallory@example.com-com.example.notes"),
                ]
            )
            #expect(
                app
                    == #"{"type":"tpa_connection_error","code":"JWT_INVALID","message":"Invalid JWT token: "# + token.appReason
                    + #"","timestamp":"<ts>"}"#
            )

            // Still serving: a valid token upgrades on the same server.
            let valid = try await server.connectGlasses("alice@example.com")
            #expect(await valid.nextText()?.contains(#""type":"connection_ack""#) == true)
            await valid.close()
        }
    }
}
