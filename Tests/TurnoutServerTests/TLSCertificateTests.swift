import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing
import TurnoutFlags
import TurnoutServer
import TurnoutTestSupport

/// The TLS certificate and key: refused at start when unusable, reloaded when cert-manager rotates
/// them (new connections get the new pair, a bad pair keeps the last good one), and on the admin port too.
@Suite("TLS certificates: start-up checks and rotation", .timeLimit(.minutes(1)))
struct TLSCertificateTests {
    /// The start-up error of a server whose public port is given `files`, or `nil` if it started.
    static func startupError(_ files: TLSFiles) async throws -> String? {
        var logger = Logger(label: #function)
        logger.logLevel = .critical
        let configuration = TurnoutConfiguration(
            host: "127.0.0.1",
            port: 0,
            adminPort: 0,
            flagsPath: "/nonexistent/flags.yaml",
            appsPath: "/nonexistent/apps.yaml",
            jwtSecret: TestServer.secret,
            eventLoopThreads: 1,
            tls: files
        )
        do {
            try await TurnoutApplication(configuration: configuration, logger: logger).run()
            return nil
        } catch let error as TurnoutStartupError {
            return error.description
        }
    }

    @Test("a key that does not match the certificate is refused at start, naming both files")
    func mismatchedKey() async throws {
        let served = try TestCertificate(commonName: "a.turnout.test")
        let other = try TestCertificate(commonName: "b.turnout.test")
        let mount = try SecretMount.create(holding: served)
        defer { mount.remove() }
        let key = try mount.write(other.keyPEM, named: "other.key")
        let files = TLSFiles(certificatePath: mount.files.certificatePath, keyPath: key)
        #expect(
            try await Self.startupError(files)
                == "TLS of the public port: \(key): this private key does not match the certificate in \(files.certificatePath)"
        )
    }

    @Test("an unreadable file, or a PEM that does not parse, is refused at start, naming the file")
    func unusableFiles() async throws {
        let certificate = try TestCertificate(commonName: "c.turnout.test")
        let mount = try SecretMount.create(holding: certificate)
        defer { mount.remove() }
        let missing = mount.directory.appendingPathComponent("missing.crt").path
        #expect(
            try await Self.startupError(TLSFiles(certificatePath: missing, keyPath: mount.files.keyPath))
                == "TLS of the public port: \(missing): cannot read the TLS certificate: no such file"
        )
        let garbage = try mount.write("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", named: "garbage.crt")
        #expect(
            try await Self.startupError(TLSFiles(certificatePath: garbage, keyPath: mount.files.keyPath))
                == "TLS of the public port: \(garbage): no PEM certificate could be read (expected a -----BEGIN CERTIFICATE----- block)"
        )
        let notAKey = try mount.write(certificate.certificatePEM, named: "cert-as-key.pem")
        #expect(
            try await Self.startupError(TLSFiles(certificatePath: mount.files.certificatePath, keyPath: notAKey))
                == "TLS of the public port: \(notAKey): no PEM private key could be read "
                + "(expected an unencrypted PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block)"
        )
    }

    @Test("a rotated pair is served to new connections; established ones keep theirs")
    func rotation() async throws {
        let first = try TestCertificate(commonName: "first.turnout.test")
        let second = try TestCertificate(commonName: "second.turnout.test")
        try await WssTests.withWssServer(flags: TestServer.flags(allOn: .native), certificate: first) { server, mount in
            let store = try #require(server.running.publicTLS)
            let events = store.reloadEvents()
            let established = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws", tls: TestCertificate.clientTLS)
            #expect(try await TestCertificate.servedSerialNumber(by: established.channel) == first.serialNumber)

            try mount.rotate(certificatePEM: second.certificatePEM, keyPEM: second.keyPEM)
            let applied = await Self.nextApplied(events)
            #expect(applied == second.serialNumber)

            let fresh = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws", tls: TestCertificate.clientTLS)
            #expect(try await TestCertificate.servedSerialNumber(by: fresh.channel) == second.serialNumber)
            // The established connection still works on the session it began with.
            try await established.sendText("still here")
            #expect(await established.next() == .text("still here"))
            await fresh.close()
            await established.close()
        }
    }

    @Test("a rotated pair whose key does not match is refused and counted; the last good pair keeps serving")
    func invalidRotation() async throws {
        let good = try TestCertificate(commonName: "good.turnout.test")
        let other = try TestCertificate(commonName: "other.turnout.test")
        try await WssTests.withWssServer(flags: TestServer.flags(allOn: .compat), certificate: good) { server, mount in
            let store = try #require(server.running.publicTLS)
            let events = store.reloadEvents()
            try mount.rotate(certificatePEM: other.certificatePEM, keyPEM: good.keyPEM)
            var iterator = events.makeAsyncIterator()
            var event = await iterator.next()
            while case .unchanged = event?.result { event = await iterator.next() }
            guard case .rejected(let error) = event?.result else {
                Issue.record("expected a rejected reload, got \(String(describing: event))")
                return
            }
            #expect(error.code == .keyMismatch)
            #expect(event?.resultLabel == "invalid")
            #expect(store.certificate.serialNumber == good.serialNumber)
            let client = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws", tls: TestCertificate.clientTLS)
            #expect(try await TestCertificate.servedSerialNumber(by: client.channel) == good.serialNumber)
            await client.close()
            let metrics = try await server.admin("/metrics")
            let counted = metrics.body.split(separator: "\n").filter {
                $0.hasPrefix("turnout_tls_reload_total{") && $0.contains(#"result="invalid""#)
            }
            #expect(counted.contains { $0.contains(#"port="public""#) }, "\(metrics.body)")
        }
    }

    @Test("the admin port serves HTTPS with --admin-tls-cert and --admin-tls-key")
    func adminTLS() async throws {
        let certificate = try TestCertificate(commonName: "admin.turnout.test")
        let mount = try SecretMount.create(holding: certificate)
        defer { mount.remove() }
        let configure: (inout TurnoutConfiguration) -> Void = { $0.adminTLS = mount.files }
        try await withTestServer(flags: TestServer.flags(allOn: .compat), configure: configure) { server in
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: TestCertificate.clientTLS))
            do {
                let response = try await client.execute(
                    HTTPClientRequest(url: "https://127.0.0.1:\(server.running.adminPort)/metrics"),
                    timeout: .seconds(10)
                )
                #expect(response.status == .ok)
                #expect(server.running.adminTLS?.certificate.serialNumber == certificate.serialNumber)
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    /// The serial number of the next applied reload, skipping the rest.
    static func nextApplied(_ events: AsyncStream<TLSReloadEvent>) async -> String? {
        for await event in events {
            if case .applied(let serialNumber) = event.result { return serialNumber }
        }
        return nil
    }
}
