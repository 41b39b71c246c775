import Foundation
import Testing
import TurnoutFlags
import TurnoutServer
import TurnoutTestSupport
import TurnoutTransport

/// The public port's timeouts and caps over real sockets, with short limits: exact responses,
/// closes, and established WebSockets left alone.
@Suite("Public port limits, end to end", .timeLimit(.minutes(1)))
struct PublicPortLimitTests {
    /// Short timeouts: 200 ms for the head and for idleness unless a test says otherwise.
    static func short(head: Duration = .milliseconds(200), idle: Duration = .milliseconds(200)) -> (inout TurnoutConfiguration) -> Void {
        { configuration in
            configuration.limits.requestHeadTimeout = head
            configuration.limits.idleTimeout = idle
        }
    }

    /// The exact response of a refusal written by the limits, timestamp normalised.
    static func refusal(_ status: String, _ code: String, _ message: String, retryAfter: Bool = false) -> String {
        let body = #"{"type":"error","code":""# + code + #"","message":""# + message + #"","timestamp":"<ts>"}"#
        return "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count + 20)\r\nConnection: close\r\n"
            + (retryAfter ? "Retry-After: 5\r\n" : "") + "\r\n" + body
    }

    @Test("a head that does not complete in time gets a JSON 408 and the connection closes")
    func headTimeout() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat), configure: Self.short(idle: .seconds(30))) { server in
            let response = try await RawHTTP.exchange(port: server.port, request: "GET /glasses-ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")
            #expect(
                Transcript.normalise(response)
                    == Self.refusal("408 Request Timeout", "REQUEST_TIMEOUT", "The request head did not arrive within 200 ms")
            )
        }
    }

    @Test("a connection that sends nothing gets the 408 when the head timeout is the shorter")
    func silentConnectionHeadTimeout() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat), configure: Self.short(idle: .seconds(30))) { server in
            let response = try await RawHTTP.exchange(port: server.port, request: "")
            #expect(
                Transcript.normalise(response)
                    == Self.refusal("408 Request Timeout", "REQUEST_TIMEOUT", "The request head did not arrive within 200 ms")
            )
        }
    }

    @Test("a connection idle before its first request closes without a response when idle is the shorter")
    func idleBeforeFirstRequest() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat), configure: Self.short(head: .seconds(30))) { server in
            let response = try await RawHTTP.exchange(port: server.port, request: "")
            #expect(response == "")
        }
    }

    /// The window a client must act within in the tests where it races a timeout: long enough
    /// for a machine loaded by the whole suite, short enough to keep the tests quick. 2 s was
    /// too short on a 2-core machine at load average 15 (the upgrade's head timed out).
    static let clientWindow = Duration.seconds(5)

    @Test("a keep-alive connection idle after its answer closes without another response")
    func idleBetweenRequests() async throws {
        let configure = Self.short(head: .seconds(30), idle: Self.clientWindow)
        try await withTestServer(flags: TestServer.flags(allOn: .compat), configure: configure) { server in
            let response = try await RawHTTP.exchange(
                port: server.port,
                request: "GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            let answers = response.components(separatedBy: "HTTP/1.1 ").filter { !$0.isEmpty }
            #expect(answers.count == 2)
            #expect(answers.allSatisfy { $0.hasPrefix("200 OK") && !$0.contains("Connection: close") })
        }
    }

    @Test("a head over 16 KiB gets a JSON 431; one just under passes")
    func headSize() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let big = "GET /glasses-ws HTTP/1.1\r\nHost: x\r\nX-Padding: \(String(repeating: "a", count: 16 << 10))\r\n\r\n"
            let refused = try await RawHTTP.exchange(port: server.port, request: big)
            #expect(
                Transcript.normalise(refused)
                    == Self.refusal("431 Request Header Fields Too Large", "REQUEST_HEAD_TOO_LARGE", "The request head is larger than 16384 bytes")
            )
            let fits = "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Padding: \(String(repeating: "a", count: 16_000))\r\n\r\n"
            let answered = try await RawHTTP.exchange(port: server.port, request: fits)
            #expect(answered.hasPrefix("HTTP/1.1 200 OK"))
        }
    }

    @Test("established WebSockets outlive the head and idle timeouts", arguments: [Stack.compat, .native])
    func webSocketsUntouched(stack: Stack) async throws {
        let configure = Self.short(head: Self.clientWindow, idle: Self.clientWindow)
        try await withTestServer(flags: TestServer.flags(allOn: stack), configure: configure) { server in
            let echo = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws?stack=\(stack.rawValue)")
            let token = try await server.authority.glassesToken(email: "patient@example.com")
            let glasses = try await RawWebSocketClient.connect(port: server.port, path: "/glasses-ws?token=\(token)", answerPings: true)
            #expect(await glasses.nextText()?.contains(#""type":"connection_ack""#) == true)
            // A connection accepted after both sockets closes on its timeout: by then, both
            // sockets' own timeouts would have fired had they still been armed.
            _ = try await RawHTTP.exchange(port: server.port, request: "")
            try await echo.sendText("still here")
            #expect(await echo.next() == .text("still here"))
            try await glasses.send(opcode: 9, Array("ping".utf8))
            #expect(await glasses.next() == .pong(Array("ping".utf8)))
            await echo.close()
            await glasses.close()
        }
    }
}
