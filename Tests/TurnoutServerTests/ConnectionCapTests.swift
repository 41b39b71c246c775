import Testing
import TurnoutFlags
import TurnoutServer
import TurnoutTestSupport
import TurnoutTransport

/// The connection caps and the pending-upgrade cap: a JSON 503 with `Retry-After` before any
/// upgrade work, on both stacks, counted in `turnout_upgrades_total{result="over_capacity"}`.
@Suite("Connection caps, end to end", .timeLimit(.minutes(1)))
struct ConnectionCapTests {
    static func overCapacity(_ what: String) -> String {
        #"{"type":"error","code":"OVER_CAPACITY","message":"Too many "# + what + #"; retry later","timestamp":"<ts>"}"#
    }

    /// A configuration edit that changes only the limits.
    static func limits(_ edit: @escaping (inout PublicPortLimits) -> Void) -> (inout TurnoutConfiguration) -> Void {
        { configuration in edit(&configuration.limits) }
    }

    /// Connects and expects a 503; returns its body with the timestamp normalised.
    func refused(_ server: TestServer, path: String, headers: [(String, String)] = []) async throws -> String {
        do {
            let client = try await RawWebSocketClient.connect(port: server.port, path: path, headers: headers)
            await client.close()
            Issue.record("\(path) was upgraded over the cap")
            throw CancellationError()
        } catch let refused as RawWebSocketClient.UpgradeRefused {
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "5")
            #expect(refused.headers["connection"] == "close")
            #expect(refused.headers["content-length"] == String(refused.body.utf8.count))
            return Transcript.normalise(refused.body)
        }
    }

    @Test("over --max-connections, an upgrade gets 503 while the first WebSocket stays open", arguments: [Stack.compat, .native])
    func maxConnections(stack: Stack) async throws {
        try await withTestServer(flags: TestServer.flags(allOn: stack), configure: Self.limits { $0.maxConnections = 1 }) { server in
            let first = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws?stack=\(stack.rawValue)")
            let token = try await server.authority.glassesToken(email: "second@example.com")
            #expect(try await refused(server, path: "/glasses-ws?token=\(token)") == Self.overCapacity("connections"))
            try await first.sendText("hello")
            #expect(await first.next() == .text("hello"))
            let metrics = try await server.admin("/metrics")
            #expect(metrics.body.contains(#"turnout_upgrades_total{result="over_capacity"}"#))
            await first.close()
        }
    }

    @Test("a WebSocket that closes gives its places back: at the cap, the next upgrade passes", arguments: [Stack.compat, .native])
    func closedConnectionReleases(stack: Stack) async throws {
        // One event loop: the release, a task the close queues, runs before the loop's next accept.
        let configure: (inout TurnoutConfiguration) -> Void = { configuration in
            configuration.limits.maxConnections = 1
            configuration.limits.maxConnectionsPerAddress = 1
            configuration.eventLoopThreads = 1
        }
        try await withTestServer(flags: TestServer.flags(allOn: stack), configure: configure) { server in
            let path = "/echo-ws?stack=\(stack.rawValue)"
            let first = try await RawWebSocketClient.connect(port: server.port, path: path)
            #expect(server.running.connectionLimiter.openConnections == 1)
            try await first.sendClose(1000)
            #expect(await first.transcript() == [.close(1000), .closed])
            let second = try await RawWebSocketClient.connect(port: server.port, path: path)
            try await second.sendText("again")
            #expect(await second.next() == .text("again"))
            #expect(server.running.connectionLimiter.openConnections == 1)
            await second.close()
        }
    }

    @Test("over --max-connections-per-ip from the socket peer, an upgrade gets 503", arguments: [Stack.compat, .native])
    func perPeerAddress(stack: Stack) async throws {
        try await withTestServer(flags: TestServer.flags(allOn: stack), configure: Self.limits { $0.maxConnectionsPerAddress = 1 }) { server in
            let first = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws?stack=\(stack.rawValue)")
            let body = try await refused(server, path: "/echo-ws?stack=\(stack.rawValue)")
            #expect(body == Self.overCapacity("connections from this address"))
            await first.close()
        }
    }

    @Test("behind one trusted proxy, the address is X-Forwarded-For's last entry, not what the client wrote", arguments: [Stack.compat, .native])
    func perForwardedAddress(stack: Stack) async throws {
        let configure: (inout TurnoutConfiguration) -> Void = { configuration in
            configuration.limits.maxConnectionsPerAddress = 1
            configuration.limits.trustedProxies = 1
        }
        try await withTestServer(flags: TestServer.flags(allOn: stack), configure: configure) { server in
            let path = "/echo-ws?stack=\(stack.rawValue)"
            let first = try await RawWebSocketClient.connect(port: server.port, path: path, headers: [("X-Forwarded-For", "203.0.113.7")])
            // The client forged a first entry; the proxy appended the address it saw.
            let forged = try await refused(server, path: path, headers: [("X-Forwarded-For", "198.51.100.1, 203.0.113.7")])
            #expect(forged == Self.overCapacity("connections from this address"))
            let other = try await RawWebSocketClient.connect(port: server.port, path: path, headers: [("X-Forwarded-For", "203.0.113.8")])
            try await other.sendText("other")
            #expect(await other.next() == .text("other"))
            await first.close()
            await other.close()
        }
    }

    @Test("over --max-pending-upgrades, an upgrade gets 503; once a handshake finishes, upgrades pass", arguments: [Stack.compat, .native])
    func pendingUpgrades(stack: Stack) async throws {
        try await withTestServer(flags: TestServer.flags(allOn: stack), configure: Self.limits { $0.maxPendingUpgrades = 1 }) { server in
            // Stands for a handshake whose token is still being verified.
            #expect(server.running.pendingUpgrades.tryAcquire())
            let token = try await server.authority.glassesToken(email: "queued@example.com")
            #expect(try await refused(server, path: "/glasses-ws?token=\(token)") == Self.overCapacity("pending upgrades"))
            server.running.pendingUpgrades.release()
            let glasses = try await RawWebSocketClient.connect(port: server.port, path: "/glasses-ws?token=\(token)")
            #expect(await glasses.nextText()?.contains(#""type":"connection_ack""#) == true)
            #expect(server.running.pendingUpgrades.count == 0)
            await glasses.close()
        }
    }
}
