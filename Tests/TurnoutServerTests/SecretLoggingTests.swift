import Logging
import Testing
import TurnoutFlags
import TurnoutTestSupport
import TurnoutTransport

/// No log line, at any level, carries the JWT secret, a token or an API key: a whole scenario
/// runs with a trace-level logger that keeps every line.
@Suite("Secrets stay out of the logs", .timeLimit(.minutes(1)))
struct SecretLoggingTests {
    @Test("glasses, app init with an API key, JWT mode and refusals log no secret at trace level", arguments: [Stack.compat, .native])
    func noSecretInAnyLogLine(stack: Stack) async throws {
        let lines = LockedBox<[String]>([])
        var logger = Logger(label: #function) { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace
        let secrets = LockedBox<[String]>([TestServer.secret, TestServer.apiKey])
        try await withTestServer(flags: TestServer.flags(allOn: stack), logger: logger) { server in
            let aliceToken = try await server.authority.glassesToken(email: "alice@example.com")
            let bobToken = try await server.authority.glassesToken(email: "bob@example.com", expiresIn: .seconds(3_600))
            let appToken = try await server.authority.appToken(packageName: "com.example.maps", apiKey: TestServer.apiKey)
            let forged = HostileToken.signed(header: #"{"alg":"RS256","typ":"JWT"}"#, payload: #"{"email":"mallory@example.com"}"#)
            let wrongKey = "notes-wrong-key-7f3a9c"
            secrets.withLockedValue { $0 += [aliceToken, bobToken, appToken, forged, wrongKey] }

            let glasses = try await RawWebSocketClient.connect(
                port: server.port,
                path: "/glasses-ws",
                headers: [("Authorization", "Bearer \(aliceToken)")],
                answerPings: true
            )
            _ = await glasses.nextText()
            let bob = try await RawWebSocketClient.connect(port: server.port, path: "/glasses-ws?token=\(bobToken)", answerPings: true)
            _ = await bob.nextText()
            let app = try await EndToEndTests.startApp(server, Transcript(), glasses: glasses, user: "alice@example.com")

            // JWT mode, then a legacy init with a wrong API key.
            let jwtApp = try await RawWebSocketClient.connect(
                port: server.port,
                path: "/app-ws",
                headers: [
                    ("Authorization", "Bearer \(appToken)"), ("x-user-id", "alice@example.com"),
                    ("x-session-id", "alice@example.com-com.example.maps"),
                ]
            )
            _ = await jwtApp.nextMessage()
            await jwtApp.close()
            let impostor = try await server.connectApp(path: "/app-ws")
            try await impostor.sendText(
                #"{"type":"tpa_connection_init","sessionId":"alice@example.com-com.example.notes","packageName":"com.example.notes","apiKey":"\#(wrongKey)"}"#
            )
            _ = await impostor.nextMessage()
            await impostor.close()

            // Refusals: a forged token in the header and in the query, a bad app token.
            for (path, headers) in [
                ("/glasses-ws", [("Authorization", "Bearer \(forged)")]),
                ("/glasses-ws?token=\(forged)", []),
                ("/app-ws", [("Authorization", "Bearer \(forged)"), ("x-user-id", "a@b.c"), ("x-session-id", "a@b.c-com.example.notes")]),
            ] {
                await #expect(throws: RawWebSocketClient.UpgradeRefused.self) {
                    try await RawWebSocketClient.connect(port: server.port, path: path, headers: headers)
                }
            }
            await app.close()
            await bob.close()
            await glasses.close()
        }
        let captured = lines.withLockedValue { $0 }
        #expect(captured.count > 10, "the scenario logged too little to prove anything")
        for secret in secrets.withLockedValue({ $0 }) {
            let leaks = captured.filter { $0.contains(secret) }
            #expect(leaks.isEmpty, "\(leaks.count) log lines contain a secret, e.g. \(leaks.first ?? "")")
        }
    }
}
