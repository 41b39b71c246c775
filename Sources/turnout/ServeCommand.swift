import ArgumentParser
import Foundation
import Logging
import TurnoutConfigFile
import TurnoutServer
import TurnoutTransport

/// `turnout serve`: the dual-stack WebSocket server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the WebSocket server: one public port, two transport stacks, an admin port.",
        discussion: """
            Every option can also be set with the TURNOUT_* environment variable named in its help;
            an option on the command line wins. The JWT secret comes from AUGMENTOS_AUTH_JWT_SECRET;
            without it the server refuses to start unless --dev is given.
            """
    )

    @Option(help: "Public interface (TURNOUT_HOST). Default 0.0.0.0.")
    var host: String?

    @Option(help: "Public port (TURNOUT_PORT). Default 8002.")
    var port: Int?

    @Option(help: "Admin interface (TURNOUT_ADMIN_HOST). Default 127.0.0.1; beyond loopback it requires TURNOUT_ADMIN_TOKEN.")
    var adminHost: String?

    @Option(help: "Admin port (TURNOUT_ADMIN_PORT). Default 9090.")
    var adminPort: Int?

    @Option(help: "The flag file (TURNOUT_FLAGS). Default flags.yaml.")
    var flags: String?

    @Option(help: "The app registry (TURNOUT_APPS). Default apps.yaml.")
    var apps: String?

    @Option(help: "Public base URL for the /app-ws URL sent in webhooks (TURNOUT_PUBLIC_URL). Default ws://127.0.0.1:<port>.")
    var publicURL: String?

    @Option(help: "How long shutdown waits for sockets to close, e.g. 10s (TURNOUT_DRAIN_TIMEOUT). Default 10s.")
    var drainTimeout: String?

    @Option(
        help: """
            At shutdown, how long /health/ready answers 503 before the 1001 closes, so the balancer \
            stops sending users first, e.g. 3s; 0s to 5m (TURNOUT_READY_GRACE). Default 3s.
            """
    )
    var readyGrace: String?

    @Option(help: "Largest WebSocket message in bytes; larger ones close with 1009 (TURNOUT_MAX_MESSAGE_SIZE). Default 1048576.")
    var maxMessageSize: Int?

    @Option(help: "Event-loop threads (TURNOUT_THREADS). Default: the cores this process may use, CPU affinity included.")
    var threads: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (TURNOUT_LOG_LEVEL). Default info.")
    var logLevel: String?

    @Option(help: "Time from accept for a complete request head, e.g. 10s; then 408 (TURNOUT_REQUEST_HEAD_TIMEOUT). Default 10s.")
    var requestHeadTimeout: String?

    @Option(help: "Largest request head in bytes; larger ones get 431 (TURNOUT_MAX_REQUEST_HEAD_SIZE). Default 16384.")
    var maxRequestHeadSize: Int?

    @Option(help: "Time a connection may wait without a request, before its first or between requests (TURNOUT_IDLE_TIMEOUT). Default 10s.")
    var idleTimeout: String?

    @Option(help: "Most open connections on the public port; over it 503 (TURNOUT_MAX_CONNECTIONS). Default 50000.")
    var maxConnections: Int?

    @Option(help: "Most open connections per client address; over it 503 (TURNOUT_MAX_CONNECTIONS_PER_IP). Default 10000.")
    var maxConnectionsPerIp: Int?

    @Option(help: "Proxies in front that append to X-Forwarded-For; 0 uses the socket peer (TURNOUT_TRUSTED_PROXIES). Default 0.")
    var trustedProxies: Int?

    @Option(help: "Most upgrade handshakes being decided at once; over it 503 (TURNOUT_MAX_PENDING_UPGRADES). Default 1024.")
    var maxPendingUpgrades: Int?

    @Option(help: "PEM certificate chain: serve the public port over TLS, wss (TURNOUT_TLS_CERT). Needs --tls-key. Reloaded when it changes.")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert (TURNOUT_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "PEM certificate chain: serve the admin port over TLS (TURNOUT_ADMIN_TLS_CERT). Needs --admin-tls-key.")
    var adminTlsCert: String?

    @Option(help: "PEM private key of --admin-tls-cert (TURNOUT_ADMIN_TLS_KEY).")
    var adminTlsKey: String?

    @Flag(help: "Serve /echo-ws and /fanout-ws (?stack=compat|native) for conformance runs and benchmarks (TURNOUT_ECHO=1).")
    var echo = false

    @Flag(help: "Development mode: a random JWT secret, and a ready glasses token for dev@localhost (TURNOUT_DEV=1).")
    var dev = false

    func run() async throws {
        let settings = try ServeSettings(command: self, environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: settings.logLevel) }
        let logger = Logger(label: "turnout")
        let isDev = settings.isDev
        let secret = settings.configuration.jwtSecret
        let scheme = settings.configuration.tls == nil ? "ws" : "wss"
        let application = TurnoutApplication(
            configuration: settings.configuration,
            onServerRunning: { running in
                if isDev {
                    await Self.printDevBanner(secret: secret, scheme: scheme, port: running.publicPort, adminPort: running.adminPort)
                }
            },
            logger: logger
        )
        do {
            try await application.runService()
        } catch let error as TurnoutStartupError {
            StandardError.write("turnout: cannot start:\n\(error)\n")
            throw FlagsCommand.invalidFileStatus
        }
    }

    private static func printDevBanner(secret: String, scheme: String, port: Int, adminPort: Int) async {
        guard let authority = try? await TokenAuthority(secret: secret),
            let token = try? await authority.glassesToken(email: "dev@localhost")
        else { return }
        let banner = """
            turnout --dev: a random JWT secret is in use, so only tokens minted by this process work.
            glasses token for dev@localhost:
              \(token)
            connect:  \(scheme)://127.0.0.1:\(port)/glasses-ws?token=\(token)
            admin:    http://127.0.0.1:\(adminPort)/admin/connections

            """
        // stdout is a pipe under most supervisors; write through so the token shows at once.
        FileHandle.standardOutput.write(Data(banner.utf8))
    }
}
