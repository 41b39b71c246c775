import AsyncHTTPClient
package import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import ServiceLifecycle
import Synchronization
package import TurnoutConfigFile
package import TurnoutCore
package import TurnoutFlags
package import TurnoutTransport
import UnixSignals

/// Turnout assembled: flag store, app registry, core, upgrade router, both stacks, the public
/// and admin ports, and their lifecycle.
///
/// ``run(onRunning:)`` loads the files, binds both ports, and runs one service group:
/// flag watcher → apps watcher → SIGHUP reloads → stack migrator → admin port → public port.
/// SIGHUP reloads flags.yaml and apps.yaml at once. SIGTERM and SIGINT (or
/// ``triggerGracefulShutdown()``) stop accepting, close every WebSocket with 1001
/// `Server shutting down`, wait up to the drain timeout, and return.
package final class TurnoutApplication: Sendable {
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
    }

    private let configuration: TurnoutConfiguration
    private let stacks: TransportStacks
    private let echo: @Sendable (any Connection) -> any WebSocketEventSink
    private let handlesSignals: Bool
    private let reloadsOnSIGHUP: Bool
    private let logger: Logger
    private let serviceGroup = Mutex<ServiceGroup?>(nil)
    private let shutdownRequested = Mutex(false)

    /// Creates the application.
    /// - Parameters:
    ///   - configuration: Ports, files, secret and limits.
    ///   - stacks: The compat and native stacks.
    ///   - echo: Makes the responder of an `/echo-ws` connection.
    ///   - handlesSignals: Whether SIGTERM and SIGINT shut the server down (off in tests).
    ///   - reloadsOnSIGHUP: Whether SIGHUP reloads flags.yaml and apps.yaml. The server traps
    ///     SIGHUP only while it runs; off in tests except the one that sends it.
    ///   - logger: The root logger.
    package init(
        configuration: TurnoutConfiguration,
        stacks: TransportStacks,
        echo: @escaping @Sendable (any Connection) -> any WebSocketEventSink,
        handlesSignals: Bool = true,
        reloadsOnSIGHUP: Bool = true,
        logger: Logger
    ) {
        self.configuration = configuration
        self.stacks = stacks
        self.echo = echo
        self.handlesSignals = handlesSignals
        self.reloadsOnSIGHUP = reloadsOnSIGHUP
        self.logger = logger
    }

    /// Starts shutting down: stop accepting, close sockets with 1001, drain, return from ``run(onRunning:)``.
    package func triggerGracefulShutdown() {
        let group = serviceGroup.withLock { group in
            shutdownRequested.withLock { $0 = true }
            return group
        }
        Task { await group?.triggerGracefulShutdown() }
    }

    /// Runs the server until it is shut down.
    ///
    /// - Parameter onRunning: Called once both ports are bound and serving.
    /// - Throws: ``TurnoutStartupError`` when a file is invalid or the configuration is unsafe;
    ///   an I/O error when a port cannot be bound.
    package func run(onRunning: @escaping @Sendable (Running) -> Void = { _ in }) async throws {
        TurnoutMetrics.bootstrap()
        let flags: FlagStore
        let apps: AppRegistryStore
        do {
            flags = try FlagStore.load(path: configuration.flagsPath, logger: logger)
            apps = try AppRegistryStore.load(path: configuration.appsPath, logger: logger)
        } catch {
            throw TurnoutStartupError.invalidFile(error)
        }
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
        var core: SessionRegistry?
        do {
            // Accepting waits until the core exists: its webhook URL needs the bound port.
            let publicQuiescing = ServerQuiescingHelper(group: group)
            let initializer = Mutex<PublicChannelInitializer?>(nil)
            let openConnections = OpenConnections()
            let publicChannel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.autoRead, value: false)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(publicQuiescing.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                // Every channel keeps its last receive buffer for reuse, so an idle WebSocket holds
                // one: start it at 256 bytes rather than NIO's 2 KiB (it doubles on each full read).
                // 10,000 idle connections: 5.0 → 3.3 KiB each (docs/benchmarks.md).
                .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65_536))
                .childChannelInitializer { channel in
                    guard let initializer = initializer.withLock({ $0 }) else {
                        return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
                    }
                    return initializer.initialize(channel)
                }
                .bind(host: configuration.host, port: configuration.port)
                .get()
            let publicPort = publicChannel.localAddress?.port ?? configuration.port

            var coreConfiguration = configuration.core
            coreConfiguration.appWebSocketURL = configuration.appWebSocketURL(boundPort: publicPort)
            let sessions = SessionRegistry(
                configuration: coreConfiguration,
                apps: apps,
                webhookSender: HTTPWebhookSender(client: httpClient),
                scheduler: EventLoopScheduler(group: group),
                logger: logger
            )
            core = sessions
            let router = UpgradeRouter(
                flags: flags,
                tokens: tokens,
                configuration: .init(echoEnabled: configuration.echo, stack: configuration.stack),
                logger: logger
            )
            initializer.withLock {
                $0 = PublicChannelInitializer(
                    router: router,
                    stacks: stacks,
                    core: sessions,
                    echo: echo,
                    fanout: FanoutRoom(group: group),
                    health: { HealthReport.render(flags: flags, core: sessions) },
                    openConnections: openConnections
                )
            }
            try await publicChannel.setOption(.autoRead, value: true).get()

            let routes = AdminRoutes(flags: flags, core: sessions, requiredToken: configuration.adminIsLoopback ? nil : configuration.adminToken)
            let adminQuiescing = ServerQuiescingHelper(group: group)
            let adminChannel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(adminQuiescing.makeServerChannelHandler(channel: channel))
                    }
                }
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(routes: routes))
                    }
                }
                .bind(host: configuration.adminHost, port: configuration.adminPort)
                .get()
            let adminPort = adminChannel.localAddress?.port ?? configuration.adminPort

            var services: [any Service] = [
                FileWatchService { await flags.watch() },
                FileWatchService { await apps.watch() },
            ]
            if reloadsOnSIGHUP {
                // Trapped here, before `onRunning`, so a SIGHUP sent once the server runs is never lost.
                let signals = await UnixSignalsSequence(trapping: .sighup)
                let files: [ReloadOnSIGHUPService.File] = [
                    .init(path: flags.path, requestReload: flags.requestReload),
                    .init(path: apps.path, requestReload: apps.requestReload),
                ]
                services.append(ReloadOnSIGHUPService(signals: signals, files: files, logger: logger))
            }
            services += [
                StackMigrator(flags: flags, connections: openConnections, eventLoops: group, logger: logger),
                ListeningServer(name: "admin", channel: adminChannel, quiescing: adminQuiescing, drainTimeout: .seconds(1), logger: logger),
                ListeningServer(
                    name: "public",
                    channel: publicChannel,
                    quiescing: publicQuiescing,
                    drainTimeout: configuration.drainTimeout,
                    logger: logger
                ),
            ]
            let serviceGroup = ServiceGroup(
                configuration: .init(
                    services: services.map { .init(service: $0) },
                    gracefulShutdownSignals: handlesSignals ? [.sigterm, .sigint] : [],
                    logger: logger
                )
            )
            let alreadyAsked = self.serviceGroup.withLock { slot in
                slot = serviceGroup
                return shutdownRequested.withLock { $0 }
            }
            logger.info(
                "turnout serving",
                metadata: [
                    "public": "\(configuration.host):\(publicPort)", "admin": "\(configuration.adminHost):\(adminPort)",
                    "flags": "\(configuration.flagsPath)", "apps": "\(configuration.appsPath)", "echo": "\(configuration.echo)",
                ]
            )
            onRunning(Running(publicPort: publicPort, adminPort: adminPort, flags: flags, core: sessions))
            if alreadyAsked {
                await serviceGroup.triggerGracefulShutdown()
            }
            try await serviceGroup.run()
        } catch {
            await Self.tearDown(core: core, httpClient: httpClient, group: group, logger: logger)
            throw error
        }
        await Self.tearDown(core: core, httpClient: httpClient, group: group, logger: logger)
        logger.info("turnout stopped")
    }

    private static func tearDown(core: SessionRegistry?, httpClient: HTTPClient, group: MultiThreadedEventLoopGroup, logger: Logger) async {
        core?.shutdown()
        do {
            try await httpClient.shutdown()
            try await group.shutdownGracefully()
        } catch {
            logger.warning("shutdown was not clean", metadata: ["error": "\(error)"])
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

    package var description: String {
        switch self {
        case .invalidFile(let errors):
            errors.description
        case .adminTokenRequired(let host):
            "the admin port is bound to \(host), beyond loopback; set TURNOUT_ADMIN_TOKEN so /metrics and /admin/* require it"
        case .unusableSecret(let error):
            "AUGMENTOS_AUTH_JWT_SECRET: \(error.reason)"
        }
    }
}
