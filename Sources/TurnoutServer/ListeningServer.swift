import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOExtras
import NIOPosix
import ServiceLifecycle

/// One listening port run as a service, the way Hummingbird's `Server` is: it binds inside
/// ``run()``, reports the bound port through `onServerRunning`, serves until graceful shutdown,
/// then stops accepting, asks every open connection to quiesce, and waits up to a drain timeout.
///
/// Quiescing fires `ChannelShouldQuiesceEvent` into each connection: an HTTP connection closes,
/// and a WebSocket stack closes its socket with 1001 `Server shutting down`.
struct ListeningServer: Service {
    /// What the server binds and how it sets up each accepted connection.
    struct Configuration: Sendable {
        /// For logs: `public` or `admin`.
        var name: String
        var host: String
        /// 0 binds an ephemeral port; `onServerRunning` reports the one chosen.
        var port: Int
        /// How long shutdown waits for open connections to close.
        var drainTimeout: Duration
    }

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let childOptions: @Sendable (ServerBootstrap) -> ServerBootstrap
    private let childChannelInitializer: @Sendable (any Channel) -> EventLoopFuture<Void>
    private let onServerRunning: @Sendable (Int) async throws -> Void
    private let logger: Logger

    /// Creates the service; nothing is bound until ``run()``.
    ///
    /// - Parameters:
    ///   - childOptions: Sets the accepted connections' channel options.
    ///   - childChannelInitializer: Builds an accepted connection's pipeline.
    ///   - onServerRunning: Called with the bound port before the first connection is accepted;
    ///     an error closes the port and ends ``run()`` with it.
    init(
        configuration: Configuration,
        group: any EventLoopGroup,
        childOptions: @escaping @Sendable (ServerBootstrap) -> ServerBootstrap = { $0 },
        childChannelInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>,
        onServerRunning: @escaping @Sendable (Int) async throws -> Void,
        logger: Logger
    ) {
        self.configuration = configuration
        self.group = group
        self.childOptions = childOptions
        self.childChannelInitializer = childChannelInitializer
        self.onServerRunning = onServerRunning
        self.logger = logger
    }

    func run() async throws {
        let quiescing = ServerQuiescingHelper(group: self.group)
        // Accepting starts only after `onServerRunning`: what it sets up is in place for the
        // first connection.
        let bootstrap = ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: false)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
        let channel = try await self.childOptions(bootstrap)
            .childChannelInitializer(self.childChannelInitializer)
            .bind(host: self.configuration.host, port: self.configuration.port)
            .get()
        do {
            try await self.onServerRunning(channel.localAddress?.port ?? self.configuration.port)
            try await channel.setOption(.autoRead, value: true).get()
        } catch {
            try? await channel.close()
            throw error
        }

        let drained = channel.eventLoop.makePromise(of: Void.self)
        let shutdownStarted = NIOLockedValueBox(false)
        let beginShutdown: @Sendable () -> Void = { [configuration, logger] in
            let first = shutdownStarted.withLockedValue { started in
                defer { started = true }
                return !started
            }
            guard first else { return }
            logger.info("stopped accepting; closing open connections", metadata: ["server": "\(configuration.name)"])
            quiescing.initiateShutdown(promise: drained)
        }
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            beginShutdown()
        }
        beginShutdown()
        if !(await Self.waitFor(drained.futureResult, atMost: self.configuration.drainTimeout)) {
            self.logger.warning("drain timeout reached; closing the remaining connections", metadata: ["server": "\(self.configuration.name)"])
        }
    }

    /// Whether `future` succeeded within `timeout`.
    private static func waitFor(_ future: EventLoopFuture<Void>, atMost timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await future.get()) != nil }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
