package import TurnoutCore
package import TurnoutTransport

/// Everything `turnout serve` needs, with production defaults.
///
/// The command line maps its options and `TURNOUT_*` environment variables onto this struct;
/// tests build it directly (port 0 picks a free port).
package struct TurnoutConfiguration: Sendable {
    /// The public interface. Default `0.0.0.0`.
    package var host: String
    /// The public port: WebSocket upgrades and `/health`. Default 8002.
    package var port: Int
    /// The admin interface. Default `127.0.0.1`, loopback only.
    package var adminHost: String
    /// The admin port: `/metrics` and `/admin/*`. Default 9090.
    package var adminPort: Int
    /// Bearer token the admin port requires when bound beyond loopback (`TURNOUT_ADMIN_TOKEN`).
    package var adminToken: String?
    /// The flag file. Default `flags.yaml`.
    package var flagsPath: String
    /// The app registry. Default `apps.yaml`.
    package var appsPath: String
    /// The server's public base URL, from which the `/app-ws` URL in webhooks is made.
    /// Default `ws://127.0.0.1:<port>`, or `wss://` with ``tls``.
    package var publicURL: String?
    /// Whether `/echo-ws` exists (conformance runs and benchmarks). Default off.
    package var echo: Bool
    /// How long shutdown waits for sockets to close after sending 1001. Default 10 s.
    package var drainTimeout: Duration
    /// How long shutdown holds between turning `/health/ready` to 503 and sending the 1001
    /// closes, so a load balancer sees the 503 first. Default 3 s: HAProxy's `inter 1s fall 2`
    /// in deploy/haproxy/haproxy.cfg, plus a second.
    package var readyGrace: Duration
    /// The HS256 secret for glasses and app tokens (`AUGMENTOS_AUTH_JWT_SECRET`).
    package var jwtSecret: String
    /// Limits of each WebSocket connection, the same on both stacks.
    package var stack: WebSocketStackConfiguration
    /// Grace periods, deadlines, heartbeat and webhook policy of the core.
    package var core: CoreConfiguration
    /// Event-loop threads. Default: one per core this process may run on (``UsableCores``).
    package var eventLoopThreads: Int
    /// Timeouts and caps of the public port (request head, keep-alive idle, connection and
    /// pending-upgrade caps); defaults in ``PublicPortLimits``.
    package var limits: PublicPortLimits
    /// The public port's TLS certificate and key (`--tls-cert`, `--tls-key`): with them the port
    /// serves wss (TLS 1.2 and 1.3) and reloads the pair when the files change. Default `nil`, plain ws.
    package var tls: TLSFiles?
    /// The admin port's TLS certificate and key (`--admin-tls-cert`, `--admin-tls-key`), served
    /// the same way. Default `nil`, plain HTTP.
    package var adminTLS: TLSFiles?

    /// Creates a configuration; only the secret has no default.
    package init(
        host: String = "0.0.0.0",
        port: Int = 8002,
        adminHost: String = "127.0.0.1",
        adminPort: Int = 9090,
        adminToken: String? = nil,
        flagsPath: String = "flags.yaml",
        appsPath: String = "apps.yaml",
        publicURL: String? = nil,
        echo: Bool = false,
        drainTimeout: Duration = .seconds(10),
        readyGrace: Duration = .seconds(3),
        jwtSecret: String,
        stack: WebSocketStackConfiguration = .init(),
        core: CoreConfiguration = .init(),
        eventLoopThreads: Int = UsableCores.count,
        limits: PublicPortLimits = .init(),
        tls: TLSFiles? = nil,
        adminTLS: TLSFiles? = nil
    ) {
        self.host = host
        self.port = port
        self.adminHost = adminHost
        self.adminPort = adminPort
        self.adminToken = adminToken
        self.flagsPath = flagsPath
        self.appsPath = appsPath
        self.publicURL = publicURL
        self.echo = echo
        self.drainTimeout = drainTimeout
        self.readyGrace = readyGrace
        self.jwtSecret = jwtSecret
        self.stack = stack
        self.core = core
        self.eventLoopThreads = eventLoopThreads
        self.limits = limits
        self.tls = tls
        self.adminTLS = adminTLS
    }

    /// The `/app-ws` URL put into `session_request` webhooks, for a public port bound at `port`;
    /// without ``publicURL``, `wss://` when the public port serves TLS.
    package func appWebSocketURL(boundPort: Int) -> String {
        var base = publicURL ?? "\(tls == nil ? "ws" : "wss")://127.0.0.1:\(boundPort)"
        if base.hasPrefix("http://") { base = "ws://" + base.dropFirst("http://".count) }
        if base.hasPrefix("https://") { base = "wss://" + base.dropFirst("https://".count) }
        while base.hasSuffix("/") { base.removeLast() }
        return base + EndpointTable.appPath
    }

    /// Whether the admin interface is reachable only from this machine.
    package var adminIsLoopback: Bool {
        adminHost == "127.0.0.1" || adminHost == "::1" || adminHost == "localhost" || adminHost.hasPrefix("127.")
    }
}
