import AsyncHTTPClient
package import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
package import TurnoutConfigFile
package import TurnoutCore
import TurnoutEcho
package import TurnoutFlags
package import TurnoutTransport
import UnixSignals

/// Turnout assembled: flag store, app registry, core, upgrade router, both stacks, the public
/// and admin ports, and their lifecycle; the server's one entry point.
///
/// A `Service`, as Hummingbird's `Application` is: ``run()`` loads the files and runs one inner
/// service group, flag watcher → apps watcher → TLS certificate watchers → SIGHUP reloads →
/// stack migrator → compare sampler → admin port → public port → readiness, each port bound inside its own
/// service (TLS, when configured, first in each connection's pipeline). `onServerRunning` reports
/// the bound ports once both serve. Graceful shutdown of the group that runs the application (SIGTERM or
/// SIGINT in ``runService()``, `triggerGracefulShutdown()` in tests) turns `/health/ready` to 503,
/// waits the ready grace so a load balancer sees it, then stops accepting, closes every
/// WebSocket with 1001 `Server shutting down`, waits up to the drain timeout, and returns.
package struct TurnoutApplication: Service {
    /// Where the server ended up listening.
    package struct Running: Sendable {
        /// The public port actually bound (useful with port 0).
        package var publicPort: Int
        /// The admin port actually bound.
        package var adminPort: Int
        /// The flag store, for tests that watch reloads.
        package var flags: FlagStore
        /// The core, for tests that inspect sessions.
        package var core: SessionRegistry
        /// The public port's connection counts, for tests of the caps.
        package var connectionLimiter: ConnectionLimiter
        /// The public port's handshakes in flight, for tests of the pending-upgrade cap.
        package var pendingUpgrades: PendingUpgrades
        /// The public port's TLS certificate, when it serves wss; for tests of rotation.
        package var publicTLS: TLSContextStore?
        /// The admin port's TLS certificate, when it serves HTTPS.
        package var adminTLS: TLSContextStore?
    }

    let configuration: TurnoutConfiguration
    /// `nil`: production's, made in ``run()``.
    private let stacks: TransportStacks?
    private let reloadsOnSIGHUP: Bool
    private let compareSampling: CompareSampling
    private let readyGraceScheduler: (any CoreScheduler)?
    private let onServerRunning: @Sendable (Running) async -> Void
    private let logger: Logger

    /// Creates the application.
    /// - Parameters:
    ///   - configuration: Ports, files, secret, limits, and whether `/echo-ws` and `/fanout-ws` exist.
    ///   - stacks: The compat and native stacks. Default: what production runs, made once the
    ///     metrics backend is installed (a stack registers its counters when it is made, and a
    ///     counter made before the backend would count into nothing).
    ///   - reloadsOnSIGHUP: Whether SIGHUP reloads flags.yaml and apps.yaml. The server traps
    ///     SIGHUP only while it runs; off in tests except the one that sends it.
    ///   - compareSampling: The timers and clock of `/admin/compare`'s sampler. Default: the
    ///     server's event loops and the continuous clock.
    ///   - readyGraceScheduler: Times the ready grace at shutdown. Default: the server's event loops.
    ///   - onServerRunning: Called once both ports are bound, before either accepts a connection.
    ///   - logger: The root logger.
    package init(
        configuration: TurnoutConfiguration,
        stacks: TransportStacks? = nil,
        reloadsOnSIGHUP: Bool = true,
        compareSampling: CompareSampling = .init(),
        readyGraceScheduler: (any CoreScheduler)? = nil,
        onServerRunning: @escaping @Sendable (Running) async -> Void = { _ in },
        logger: Logger
    ) {
        self.readyGraceScheduler = readyGraceScheduler
        self.configuration = configuration
        self.stacks = stacks
        self.reloadsOnSIGHUP = reloadsOnSIGHUP
        self.compareSampling = compareSampling
        self.onServerRunning = onServerRunning
        self.logger = logger
    }

    /// Runs the application in its own service group that shuts down gracefully on SIGTERM and
    /// SIGINT: what `turnout serve` does.
    package func runService() async throws {
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: self)], gracefulShutdownSignals: [.sigterm, .sigint], logger: self.logger)
        )
        try await group.run()
    }

    /// Runs the server until the group running it shuts down gracefully.
    ///
    /// - Throws: ``TurnoutStartupError`` when a file is invalid (flags.yaml, apps.yaml, a TLS
    ///   certificate or key) or the configuration is unsafe; an I/O error when a port cannot be bound.
    package func run() async throws {
        TurnoutMetrics.bootstrap()
        let flags: FlagStore
        let apps: AppRegistryStore
        do {
            flags = try FlagStore.load(path: configuration.flagsPath, logger: logger)
            apps = try AppRegistryStore.load(path: configuration.appsPath, logger: logger)
        } catch {
            throw TurnoutStartupError.invalidFile(error)
        }
        let tls = try TLSStores(public: configuration.tls, admin: configuration.adminTLS, logger: logger)
        if !configuration.adminIsLoopback && (configuration.adminToken ?? "").isEmpty {
            throw TurnoutStartupError.adminTokenRequired(host: configuration.adminHost)
        }
        let tokens: TokenAuthority
        do {
            tokens = try await TokenAuthority(secret: configuration.jwtSecret)
        } catch {
            throw TurnoutStartupError.unusableSecret(error)
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.eventLoopThreads))
        let httpClient = HTTPClient(eventLoopGroupProvider: .shared(group), configuration: HTTPWebhookSender.recommendedClientConfiguration)
        let core = SessionRegistry(
            configuration: configuration.core,
            apps: apps,
            webhookSender: HTTPWebhookSender(client: httpClient),
            scheduler: EventLoopScheduler(group: group),
            logger: logger
        )
        do {
            let services = await self.services(flags: flags, apps: apps, tls: tls, tokens: tokens, core: core, group: group)
            try await ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger)).run()
        } catch {
            await Self.tearDown(core: core, httpClient: httpClient, group: group, logger: logger)
            throw error
        }
        await Self.tearDown(core: core, httpClient: httpClient, group: group, logger: logger)
        logger.info("turnout stopped")
    }

    /// The inner group's services, in start order; shutdown runs in reverse.
    private func services(
        flags: FlagStore,
        apps: AppRegistryStore,
        tls: TLSStores,
        tokens: TokenAuthority,
        core: SessionRegistry,
        group: MultiThreadedEventLoopGroup
    ) async -> [any Service] {
        let configuration = self.configuration
        let logger = self.logger
        let openConnections = OpenConnections()
        let readiness = Readiness()
        let initializer = PublicChannelInitializer(
            router: UpgradeRouter(
                flags: flags,
                tokens: tokens,
                configuration: .init(echoEnabled: configuration.echo, stack: configuration.stack),
                logger: logger
            ),
            stacks: stacks ?? .production,
            core: core,
            diagnostics: configuration.echo ? .echoAndFanout(group: group) : nil,
            health: { HealthReport.render(flags: flags, core: core) },
            readiness: readiness,
            openConnections: openConnections,
            limits: configuration.limits,
            logger: logger
        )
        let compare = CompareHistory()
        let start = ContinuousClock.now
        let sampler = CompareSampler(
            history: compare,
            scheduler: compareSampling.scheduler ?? EventLoopScheduler(group: group),
            now: compareSampling.now ?? { ContinuousClock.now - start },
            read: { CompareReading(metrics: MetricsText(TurnoutMetrics.render())) },
            onSample: compareSampling.onSample
        )
        let routes = AdminRoutes(
            flags: flags,
            core: core,
            compare: compare,
            requiredToken: configuration.adminIsLoopback ? nil : configuration.adminToken
        )
        let ports = BoundPorts()
        let onServerRunning = self.onServerRunning
        let reportWhenBothBound: @Sendable (Int?, Int?) async -> Void = { publicPort, adminPort in
            guard let (publicPort, adminPort) = ports.record(publicPort: publicPort, adminPort: adminPort) else { return }
            logger.info(
                "turnout serving",
                metadata: [
                    "public": "\(configuration.host):\(publicPort)", "admin": "\(configuration.adminHost):\(adminPort)",
                    "flags": "\(configuration.flagsPath)", "apps": "\(configuration.appsPath)", "echo": "\(configuration.echo)",
                ]
            )
            await onServerRunning(
                Running(
                    publicPort: publicPort,
                    adminPort: adminPort,
                    flags: flags,
                    core: core,
                    connectionLimiter: initializer.connectionLimiter,
                    pendingUpgrades: initializer.pendingUpgrades,
                    publicTLS: tls.public,
                    adminTLS: tls.admin
                )
            )
        }

        var services: [any Service] = [
            FileWatchService { await flags.watch() },
            FileWatchService { await apps.watch() },
        ]
        for store in tls.all {
            services.append(FileWatchService { await store.watch() })
        }
        if reloadsOnSIGHUP {
            // Trapped here, before the ports are bound, so a SIGHUP sent once the server runs is never lost.
            let signals = await UnixSignalsSequence(trapping: .sighup)
            let files: [ReloadOnSIGHUPService.File] =
                [
                    .init(path: flags.path, requestReload: flags.requestReload),
                    .init(path: apps.path, requestReload: apps.requestReload),
                ] + tls.all.map { .init(path: $0.files.certificatePath, requestReload: $0.requestReload) }
            services.append(ReloadOnSIGHUPService(signals: signals, files: files, logger: logger))
        }
        services += [
            StackMigrator(flags: flags, connections: openConnections, eventLoops: group, logger: logger),
            sampler,
            ListeningServer(
                configuration: .init(name: "admin", host: configuration.adminHost, port: configuration.adminPort, drainTimeout: .seconds(1)),
                group: group,
                childChannelInitializer: { [adminTLS = tls.admin] channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let adminTLS {
                            try channel.pipeline.syncOperations.addHandler(adminTLS.makeServerHandler())
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(routes: routes))
                    }
                },
                onServerRunning: { port in await reportWhenBothBound(nil, port) },
                logger: logger
            ),
            ListeningServer(
                configuration: .init(name: "public", host: configuration.host, port: configuration.port, drainTimeout: configuration.drainTimeout),
                group: group,
                childOptions: { bootstrap in
                    bootstrap
                        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                        // Every channel keeps its last receive buffer for reuse, so an idle WebSocket
                        // holds one: start it at 256 bytes rather than NIO's 2 KiB (it doubles on each
                        // full read). 10,000 idle connections: 5.0 → 3.3 KiB each (docs/benchmarks.md).
                        .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65_536))
                },
                childChannelInitializer: { [publicTLS = tls.public] channel in
                    guard let publicTLS else { return initializer.initialize(channel) }
                    // TLS goes first, in front of the byte-level limits: they count decrypted bytes.
                    return initializer.initialize(channel).flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(publicTLS.makeServerHandler(), position: .first)
                    }
                },
                onServerRunning: { port in
                    // Port 0 is known only now; webhooks carry it from the first connection on.
                    core.publicPortBound(appWebSocketURL: configuration.appWebSocketURL(boundPort: port))
                    await reportWhenBothBound(port, nil)
                },
                logger: logger
            ),
            // Last, so first to shut down: /health/ready turns 503 a grace before the 1001s.
            ReadinessService(
                readiness: readiness,
                grace: configuration.readyGrace,
                scheduler: readyGraceScheduler ?? EventLoopScheduler(group: group),
                logger: logger
            ),
        ]
        return services
    }

    private static func tearDown(core: SessionRegistry, httpClient: HTTPClient, group: MultiThreadedEventLoopGroup, logger: Logger) async {
        core.shutdown()
        do {
            try await httpClient.shutdown()
            try await group.shutdownGracefully()
        } catch {
            logger.warning("shutdown was not clean", metadata: ["error": "\(error)"])
        }
    }
}

/// The two ports as their services bind them; complete once both are known.
private final class BoundPorts: Sendable {
    private let ports = NIOLockedValueBox<(public: Int?, admin: Int?)>((nil, nil))

    /// Records a bound port; returns both once both are bound (exactly once).
    func record(publicPort: Int?, adminPort: Int?) -> (Int, Int)? {
        self.ports.withLockedValue { ports in
            let wasComplete = ports.public != nil && ports.admin != nil
            ports.public = ports.public ?? publicPort
            ports.admin = ports.admin ?? adminPort
            guard !wasComplete, let publicPort = ports.public, let adminPort = ports.admin else { return nil }
            return (publicPort, adminPort)
        }
    }
}

/// Why the server would not start; the message tells the operator what to change.
package enum TurnoutStartupError: Error, CustomStringConvertible {
    /// flags.yaml or apps.yaml exists but is invalid.
    case invalidFile(ConfigFileErrors)
    /// The admin port is bound beyond loopback without `TURNOUT_ADMIN_TOKEN`.
    case adminTokenRequired(host: String)
    /// `AUGMENTOS_AUTH_JWT_SECRET` cannot be used for HS256.
    case unusableSecret(TokenError)
    /// A port's TLS certificate or key cannot be served; `port` is `public` or `admin`.
    case unusableTLSCertificate(TLSCertificateError, port: String)

    package var description: String {
        switch self {
        case .invalidFile(let errors):
            errors.description
        case .adminTokenRequired(let host):
            "the admin port is bound to \(host), beyond loopback; set TURNOUT_ADMIN_TOKEN so /metrics and /admin/* require it"
        case .unusableSecret(let error):
            "AUGMENTOS_AUTH_JWT_SECRET: \(error.reason)"
        case .unusableTLSCertificate(let error, let port):
            "TLS of the \(port) port: \(error)"
        }
    }
}
