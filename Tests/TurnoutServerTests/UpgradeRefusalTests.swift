import Foundation
import NIOCore
import NIOPosix
import Testing
import TurnoutFlags
import TurnoutTestSupport
import TurnoutTransport

/// Refused upgrades over a real socket: status, headers and the exact JSON body of protocol.md.
@Suite("Refused upgrades, end to end", .timeLimit(.minutes(1)))
struct UpgradeRefusalTests {
    static let timestamp = #""timestamp":"<ts>""#

    /// Connects and expects a refusal; returns it with the timestamp normalised.
    func refusal(
        _ server: TestServer,
        path: String,
        headers: [(String, String)] = [],
        handshake: [(String, String)]? = nil
    ) async throws -> RawWebSocketClient.UpgradeRefused {
        do {
            let client = try await RawWebSocketClient.connect(port: server.port, path: path, headers: headers, handshake: handshake)
            await client.close()
            Issue.record("\(path) was upgraded")
            throw CancellationError()
        } catch var refused as RawWebSocketClient.UpgradeRefused {
            #expect(refused.headers["content-length"] == String(refused.body.utf8.count))
            #expect(refused.headers["connection"] == "close")
            #expect(refused.headers["content-type"] == "application/json")
            refused.body = Transcript.normalise(refused.body)
            return refused
        }
    }

    @Test("every refusal of protocol.md, with its status and body")
    func refusals() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .native)) { server in
            let missing = try await refusal(server, path: "/glasses-ws")
            #expect(missing.status == 401)
            #expect(missing.body == #"{"type":"connection_error","message":"No core token provided","timestamp":"<ts>"}"#)

            let invalid = try await refusal(server, path: "/glasses-ws?token=not.a.jwt")
            #expect(invalid.status == 401)
            #expect(invalid.body == #"{"type":"connection_error","message":"Invalid core token","timestamp":"<ts>"}"#)

            let appToken = try await server.authority.appToken(packageName: "com.example.notes", apiKey: TestServer.apiKey)
            let headers = try await refusal(server, path: "/app-ws", headers: [("Authorization", "Bearer \(appToken)"), ("x-user-id", "a@b.c")])
            #expect(headers.status == 401)
            #expect(
                headers.body
                    == #"{"type":"tpa_connection_error","code":"MISSING_HEADERS","message":"Missing userId or sessionId in request headers","timestamp":"<ts>"}"#
            )

            let badJWT = try await refusal(
                server,
                path: "/app-ws",
                headers: [("Authorization", "Bearer x.y.z"), ("x-user-id", "a@b.c"), ("x-session-id", "a@b.c-com.example.notes")]
            )
            #expect(badJWT.status == 401)
            #expect(
                badJWT.body
                    == #"{"type":"tpa_connection_error","code":"JWT_INVALID","message":"Invalid JWT token: malformed token","timestamp":"<ts>"}"#
            )

            let unknown = try await refusal(server, path: "/chat-ws")
            #expect(unknown.status == 404)
            #expect(unknown.body == #"{"type":"error","code":"NOT_FOUND","message":"No WebSocket endpoint at /chat-ws","timestamp":"<ts>"}"#)

            let noKey = try await refusal(
                server,
                path: "/glasses-ws",
                handshake: [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13")]
            )
            #expect(noKey.status == 400)
            #expect(noKey.body == #"{"type":"error","code":"BAD_HANDSHAKE","message":"missing Sec-WebSocket-Key header","timestamp":"<ts>"}"#)

            let version = try await refusal(
                server,
                path: "/glasses-ws",
                handshake: [
                    ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                    ("Sec-WebSocket-Version", "8"),
                ]
            )
            #expect(version.status == 400)
            #expect(
                version.body
                    == #"{"type":"error","code":"BAD_HANDSHAKE","message":"unsupported Sec-WebSocket-Version '8'; only 13 is supported","timestamp":"<ts>"}"#
            )
        }
    }

    @Test("an upgrade after a plain request on the same keep-alive connection is a 400")
    func upgradeAfterPlainRequest() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let token = try await server.authority.glassesToken(email: "late@example.com")
            let request =
                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /glasses-ws?token=\(token) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            let response = try await RawHTTP.exchange(port: server.port, request: request)
            let responses = response.components(separatedBy: "HTTP/1.1 ").filter { !$0.isEmpty }
            #expect(responses.count == 2)
            #expect(responses.first?.hasPrefix("200 OK") == true)
            let second = try #require(responses.last)
            #expect(second.hasPrefix("400 Bad Request"))
            #expect(second.contains("Connection: close"))
            #expect(
                Transcript.normalise(second).hasSuffix(
                    #"{"type":"error","code":"BAD_HANDSHAKE","message":"a WebSocket upgrade must be the first request on its connection","timestamp":"<ts>"}"#
                )
            )
        }
    }

    @Test("plain HTTP: /health answers JSON, anything else is a 404 JSON")
    func plainHTTP() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let health = try await RawHTTP.exchange(port: server.port, request: "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(health.hasPrefix("HTTP/1.1 200 OK"))
            #expect(health.contains(#""status":"ok""#))
            #expect(health.contains(#""connections":{"compat":0,"native":0}"#))
            let missing = try await RawHTTP.exchange(port: server.port, request: "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(missing.hasPrefix("HTTP/1.1 404 Not Found"))
            #expect(
                Transcript.normalise(missing).hasSuffix(
                    #"{"type":"error","code":"NOT_FOUND","message":"No WebSocket endpoint at /nope","timestamp":"<ts>"}"#
                )
            )
        }
    }
}

/// Sends raw HTTP bytes and reads everything until the server closes the connection.
enum RawHTTP {
    static func exchange(port: Int, request: String) async throws -> String {
        let received = LockedBox(ByteBuffer())
        let closed = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(received: received, closed: closed))
                }
            }
            .connect(host: "127.0.0.1", port: port)
            .get()
        if !request.isEmpty {
            do {
                try await channel.writeAndFlush(ByteBuffer(string: request)).get()
            } catch ChannelError.ioOnClosedChannel {
                // The server answered and closed first (a short timeout on a loaded machine):
                // what it sent is in `received` all the same.
            }
        }
        try await closed.futureResult.get()
        return received.withLockedValue { String(buffer: $0) }
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let received: LockedBox<ByteBuffer>
        let closed: EventLoopPromise<Void>

        init(received: LockedBox<ByteBuffer>, closed: EventLoopPromise<Void>) {
            self.received = received
            self.closed = closed
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = Self.unwrapInboundIn(data)
            _ = received.withLockedValue { $0.writeBuffer(&bytes) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.succeed()
        }
    }
}
