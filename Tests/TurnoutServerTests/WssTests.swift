import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import TurnoutFlags
import TurnoutServer
import TurnoutTestSupport

/// The public port over TLS: the protocol scenarios run over wss on both stacks and give the same
/// transcripts as over ws, and what is not TLS 1.2 or 1.3 is refused.
@Suite("wss: both stacks behind TLS", .timeLimit(.minutes(2)))
struct WssTests {
    /// Runs `body` against a server whose public port serves `certificate` over TLS.
    static func withWssServer(
        flags: String,
        certificate: TestCertificate,
        _ body: @Sendable (TestServer, SecretMount) async throws -> Void
    ) async throws {
        let mount = try SecretMount.create(holding: certificate)
        defer { mount.remove() }
        let configure: (inout TurnoutConfiguration) -> Void = { $0.tls = mount.files }
        try await withTestServer(flags: flags, clientTLS: TestCertificate.clientTLS, configure: configure) { server in
            try await body(server, mount)
        }
    }

    @Test(
        "glasses ack, app init and data_stream, and closes (the shutdown's 1001 too) over wss give the ws transcripts",
        arguments: [EndToEndTests.Scenario.ack, .appLifecycle, .shutdown],
        [Stack.compat, .native]
    )
    func scenario(_ scenario: EndToEndTests.Scenario, on stack: Stack) async throws {
        let certificate = try TestCertificate(commonName: "wss.turnout.test")
        let transcript = Transcript()
        try await Self.withWssServer(flags: TestServer.flags(allOn: stack), certificate: certificate) { server, _ in
            let glasses = try await server.connectGlasses("served@example.com")
            #expect(try await TestCertificate.servedSerialNumber(by: glasses.channel) == certificate.serialNumber)
            await glasses.close()
            switch scenario {
            case .ack: try await EndToEndTests.ack(server, transcript)
            case .shutdown: try await EndToEndTests.shutdown(server, transcript)
            default: try await EndToEndTests.appLifecycle(server, transcript)
            }
        }
        // The webhook's /app-ws URL is wss:// when the public port serves TLS.
        let expected = try #require(EndToEndTests.expected[scenario]).map { $0.replacingOccurrences(of: "ws://<server>", with: "wss://<server>") }
        #expect(transcript.lines == expected, "\(stack) transcript:\n\(transcript.lines.joined(separator: "\n"))")
    }

    @Test("a plain-text client to the TLS port gets no HTTP answer and a closed connection; the port keeps serving")
    func plainTextClient() async throws {
        try await Self.withWssServer(flags: TestServer.flags(allOn: .native), certificate: try TestCertificate(commonName: "plain.turnout.test")) {
            server,
            _ in
            await #expect(throws: (any Error).self) {
                _ = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws")
            }
            let echo = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws", tls: TestCertificate.clientTLS)
            try await echo.sendText("still serving")
            #expect(await echo.next() == .text("still serving"))
            await echo.close()
        }
    }

    @Test("a client that offers at most TLS 1.1 is refused in the handshake")
    func oldTLSRefused() async throws {
        try await Self.withWssServer(flags: TestServer.flags(allOn: .compat), certificate: try TestCertificate(commonName: "old.turnout.test")) {
            server,
            _ in
            var tls11 = TestCertificate.clientTLS
            tls11.minimumTLSVersion = .tlsv1
            tls11.maximumTLSVersion = .tlsv11
            await #expect(throws: (any Error).self) {
                _ = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws", tls: tls11)
            }
            var tls12 = TestCertificate.clientTLS
            tls12.maximumTLSVersion = .tlsv12
            let client = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws", tls: tls12)
            await client.close()
        }
    }
}
