import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import ServiceLifecycle
import TurnoutCore
import TurnoutFlags
import TurnoutServer
import TurnoutTestSupport
import TurnoutTransport

/// A whole Turnout server on 127.0.0.1 (ports 0), with its own flags.yaml and apps.yaml in a
/// temporary directory and a loopback app server that receives its webhooks.
struct TestServer: Sendable {
    static let secret = "end-to-end-test-secret-0123456789abcdef-0123456789abcdef"
    /// The API key of `com.example.notes` in the generated apps.yaml.
    static let apiKey = "notes-dev-key"
    static let apiKeySha256 = "97a51e935cd8104c2dcd498b7d2eff122f0c81845d9bb26bc6741d3e78edb320"

    let running: TurnoutApplication.Running
    /// The group running the application: its graceful shutdown is the server's.
    let serviceGroup: ServiceGroup
    let directory: URL
    let appServer: LoopbackHTTPServer
    /// The one event loop of ``appServer``. An app client connected on it is read on the same
    /// thread as the webhooks, in arrival order: what a webhook observer sees of such a client is
    /// what had reached its socket first.
    let appLoop: any EventLoop
    let authority: TokenAuthority
    let httpClient: HTTPClient
    /// How the test's WebSocket clients speak TLS to a wss server; `nil` for plain ws.
    var clientTLS: TLSConfiguration? = nil

    var port: Int { running.publicPort }
    var flagsPath: String { directory.appendingPathComponent("flags.yaml").path }

    /// flags.yaml that puts every user on `stack`.
    static func flags(allOn stack: Stack) -> String {
        "version: 1\nflags:\n  native-transport:\n    percentage: \(stack == .native ? 100 : 0)\n"
    }

    /// A glasses connection for `email` (answering the heartbeat's pings unless told otherwise).
    func connectGlasses(_ email: String, answerPings: Bool = true, livekit: Bool = false) async throws -> RawWebSocketClient {
        let token = try await authority.glassesToken(email: email)
        return try await RawWebSocketClient.connect(
            port: port,
            path: "/glasses-ws\(livekit ? "?livekit=true" : "")",
            headers: [("Authorization", "Bearer \(token)")],
            answerPings: answerPings,
            tls: clientTLS
        )
    }

    /// A legacy app connection to the URL a webhook carried (so the app joins its user's stack).
    ///
    /// - Parameter onAppLoop: Read the client on ``appLoop``, the webhook receiver's loop.
    func connectApp(url: String, onAppLoop: Bool = false) async throws -> RawWebSocketClient {
        guard let components = URLComponents(string: url), let path = components.percentEncodedPath.isEmpty ? nil : components.percentEncodedPath
        else { throw TestServerError.badURL(url) }
        let query = components.percentEncodedQuery.map { "?\($0)" } ?? ""
        return try await connectApp(path: path + query, onAppLoop: onAppLoop)
    }

    /// A legacy app connection to a path of the public port, as an SDK that ignores the webhook's URL makes.
    func connectApp(path: String, onAppLoop: Bool = false) async throws -> RawWebSocketClient {
        if onAppLoop {
            return try await RawWebSocketClient.connect(port: port, path: path, answerPings: true, tls: clientTLS, group: appLoop)
        }
        return try await RawWebSocketClient.connect(port: port, path: path, answerPings: true, tls: clientTLS)
    }

    /// `GET` on the public port (`/health`, `/health/ready`): status and body.
    func publicGET(_ pathAndQuery: String) async throws -> (status: Int, body: String) {
        try await get("http://127.0.0.1:\(port)\(pathAndQuery)")
    }

    /// `GET` on the admin port: status and body.
    func admin(_ pathAndQuery: String, bearer: String? = nil) async throws -> (status: Int, body: String) {
        try await get("http://127.0.0.1:\(running.adminPort)\(pathAndQuery)", bearer: bearer)
    }

    private func get(_ url: String, bearer: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        let response = try await httpClient.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    /// Replaces flags.yaml by writing a temporary file and renaming it into place, as editors do.
    func writeFlags(_ text: String) throws {
        let temporary = directory.appendingPathComponent(".flags.yaml.tmp")
        try Data(text.utf8).write(to: temporary)
        guard rename(temporary.path, flagsPath) == 0 else { throw TestServerError.renameFailed }
    }
}

enum TestServerError: Error {
    case badURL(String)
    case renameFailed
    case didNotStart
}

/// Runs `body` against a fresh server, then shuts it down gracefully, whatever happens.
///
/// - Parameters:
///   - flags: The initial flags.yaml.
///   - core: The core's timings; heartbeat off by default so transcripts hold no pings.
///   - reloadsOnSIGHUP: Whether the server traps SIGHUP; only a test that sends it turns it on.
///   - logger: The server's root logger; by default one that logs only critical lines.
///   - compareSampling: The `/admin/compare` sampler's timers and clock; production's by default.
///   - readyGrace: How long shutdown holds `/health/ready` at 503 before the 1001s; none by default.
///   - readyGraceScheduler: Times the ready grace; the server's event loops by default.
///   - clientTLS: How ``TestServer``'s WebSocket clients speak TLS, for a server configured with it.
func withTestServer(
    flags: String,
    core: CoreConfiguration = CoreConfiguration(heartbeat: .disabled),
    drainTimeout: Duration = .seconds(5),
    reloadsOnSIGHUP: Bool = false,
    logger configuredLogger: Logger? = nil,
    compareSampling: CompareSampling = .init(),
    readyGrace: Duration = .zero,
    readyGraceScheduler: (any CoreScheduler)? = nil,
    clientTLS: TLSConfiguration? = nil,
    configure: (inout TurnoutConfiguration) -> Void = { _ in },
    _ body: @Sendable (TestServer) async throws -> Void
) async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let group = MultiThreadedEventLoopGroup.singleton
    let appLoop = group.next()
    let appServer = try await LoopbackHTTPServer.start(on: appLoop)
    let httpClient = HTTPClient(eventLoopGroupProvider: .shared(group))
    try Data(flags.utf8).write(to: directory.appendingPathComponent("flags.yaml"))
    let apps = """
        version: 1
        apps:
          - packageName: com.example.notes
            name: Notes
            publicUrl: \(appServer.baseURL)
            apiKeySha256: \(TestServer.apiKeySha256)
          - packageName: com.example.maps
            name: Maps
            publicUrl: \(appServer.baseURL)
            apiKeySha256: \(TestServer.apiKeySha256)

        """
    try Data(apps.utf8).write(to: directory.appendingPathComponent("apps.yaml"))

    var logger = Logger(label: "e2e")
    logger.logLevel = .critical
    if let configuredLogger { logger = configuredLogger }
    var configuration = TurnoutConfiguration(
        host: "127.0.0.1",
        port: 0,
        adminHost: "127.0.0.1",
        adminPort: 0,
        flagsPath: directory.appendingPathComponent("flags.yaml").path,
        appsPath: directory.appendingPathComponent("apps.yaml").path,
        echo: true,
        drainTimeout: drainTimeout,
        readyGrace: readyGrace,
        jwtSecret: TestServer.secret,
        core: core,
        eventLoopThreads: 2
    )
    configure(&configuration)
    let started = EventQueue<TurnoutApplication.Running>()
    let application = TurnoutApplication(
        configuration: configuration,
        reloadsOnSIGHUP: reloadsOnSIGHUP,
        compareSampling: compareSampling,
        readyGraceScheduler: readyGraceScheduler,
        onServerRunning: { started.yield($0) },
        logger: logger
    )
    let serviceGroup = ServiceGroup(configuration: .init(services: [.init(service: application)], logger: logger))
    let authority = try await TokenAuthority(secret: TestServer.secret)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask {
            defer { started.finish() }
            try await serviceGroup.run()
        }
        guard let running = await started.next() else {
            try await tasks.next()
            throw TestServerError.didNotStart
        }
        let server = TestServer(
            running: running,
            serviceGroup: serviceGroup,
            directory: directory,
            appServer: appServer,
            appLoop: appLoop,
            authority: authority,
            httpClient: httpClient,
            clientTLS: clientTLS
        )
        do {
            try await body(server)
        } catch {
            await serviceGroup.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            try? await httpClient.shutdown()
            try? await appServer.close()
            throw error
        }
        await serviceGroup.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
    try await httpClient.shutdown()
    try await appServer.close()
}
