package import Logging
package import NIOCore
import NIOHTTP1
import NIOWebSocket
package import TurnoutCore

/// Builds the pipeline of each connection on the public port.
///
/// ```
/// RequestHeadSizeHandler ─ RequestTimeoutHandler ─ HTTP/1.1 encoder ─ decoder ─ HTTPExchangeObserver
///   ─ ConnectionCapHandler ─ NIO upgrade handler (one StackUpgrader per connection) ─ PublicHTTPHandler
///                                  │ shouldUpgrade: PendingUpgrades → UpgradeRouter.route → the shared slot
///                                  └ install: the chosen stack's install(on:), framing included
/// ```
/// The first four handlers enforce ``PublicPortLimits``; they are removed when the connection
/// upgrades, so no HTTP limit ever touches an established WebSocket. The connection caps stay
/// counted until the channel closes.
/// The upgrader is built per connection so that `shouldUpgrade` and `install`
/// share one event-loop-bound slot holding the router's outcome, as Hummingbird's
/// `ShouldUpgradeResult` does; a refusal waits there for ``PublicHTTPHandler`` to write it.
package struct PublicChannelInitializer: Sendable {
    private let router: UpgradeRouter
    private let stacks: TransportStacks
    private let core: SessionRegistry
    private let diagnostics: DiagnosticEndpoints?
    private let health: @Sendable () -> String
    private let readiness: Readiness
    private let openConnections: OpenConnections
    private let limits: PublicPortLimits
    /// The open connections counted against ``PublicPortLimits/maxConnections``.
    package let connectionLimiter: ConnectionLimiter
    /// The handshakes counted against ``PublicPortLimits/maxPendingUpgrades``.
    package let pendingUpgrades: PendingUpgrades
    private let logger: Logger

    /// Creates the initializer.
    /// - Parameters:
    ///   - router: Decides each upgrade.
    ///   - stacks: The compat and native stacks.
    ///   - core: Consumes `/glasses-ws` and `/app-ws` connections.
    ///   - diagnostics: The consumers of `/echo-ws` and `/fanout-ws`; `nil` unless the router
    ///     serves them (`turnout serve --echo`).
    ///   - health: The JSON body of `GET /health`.
    ///   - readiness: What `GET /health/ready` answers; ready unless given one that drains.
    ///   - openConnections: Where core connections are recorded for `on_change: migrate`.
    ///   - limits: The public port's timeouts and caps.
    ///   - logger: For connections refused by a cap.
    package init(
        router: UpgradeRouter,
        stacks: TransportStacks,
        core: SessionRegistry,
        diagnostics: DiagnosticEndpoints?,
        health: @escaping @Sendable () -> String,
        readiness: Readiness = Readiness(),
        openConnections: OpenConnections,
        limits: PublicPortLimits = .init(),
        logger: Logger
    ) {
        self.limits = limits
        self.connectionLimiter = ConnectionLimiter(maxConnections: limits.maxConnections, maxPerAddress: limits.maxConnectionsPerAddress)
        self.pendingUpgrades = PendingUpgrades(limit: limits.maxPendingUpgrades)
        self.logger = logger
        self.router = router
        self.stacks = stacks
        self.core = core
        self.diagnostics = diagnostics
        self.health = health
        self.readiness = readiness
        self.openConnections = openConnections
    }

    /// Sets up a new connection's pipeline; call on its event loop.
    package func initialize(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let slot = NIOLoopBoundBox<UpgradeOutcome?>(nil, eventLoop: channel.eventLoop)
            let httpHandler = PublicHTTPHandler(slot: slot, router: router, health: health, readiness: readiness)
            let router = self.router
            let stacks = self.stacks
            let core = self.core
            let diagnostics = self.diagnostics
            let openConnections = self.openConnections
            let pendingUpgrades = self.pendingUpgrades
            let retryAfter = self.limits.retryAfterSeconds
            let upgrader = StackUpgrader(
                shouldUpgrade: { channel, head in
                    let remote = Self.describe(channel.remoteAddress)
                    let request = UpgradeRequest(head: head)
                    guard pendingUpgrades.tryAcquire() else {
                        let refusal = UpgradeRefusal.overCapacity("pending upgrades", retryAfterSeconds: retryAfter, at: router.now)
                        router.record(.refuse(refusal), path: request.path, remoteAddress: remote)
                        slot.value = .refuse(refusal)
                        return channel.eventLoop.makeSucceededFuture(nil)
                    }
                    let promise = channel.eventLoop.makePromise(of: UpgradeOutcome.self)
                    promise.completeWithTask { await router.route(request, remoteAddress: remote) }
                    promise.futureResult.whenComplete { _ in pendingUpgrades.release() }
                    return promise.futureResult.map { outcome in
                        slot.value = outcome
                        if case .accept = outcome { return HTTPHeaders() }
                        return nil
                    }
                },
                install: { channel, _ in
                    guard case .accept(let upgrade) = slot.value else {
                        throw UpgradeSlotError.empty
                    }
                    slot.value = nil
                    // A router serving /echo-ws on a server without their consumers: refuse the install.
                    if upgrade.target != .core, diagnostics == nil { throw UpgradeSlotError.noDiagnosticEndpoints }
                    try stacks[upgrade.stack].install(
                        on: channel,
                        identity: upgrade.identity,
                        configuration: upgrade.configuration
                    ) { connection in
                        switch upgrade.target {
                        case .core:
                            openConnections.add(connection, routedBy: upgrade.routedUserId)
                            return core.connectionOpened(connection)
                        case .echo:
                            return diagnostics!.echo(connection, channel.eventLoop)
                        case .fanout:
                            return diagnostics!.fanout(connection, channel.eventLoop)
                        }
                    }
                }
            )
            let now: @Sendable () -> Timestamp = { router.now }
            let headSize = RequestHeadSizeHandler(limit: limits.maxRequestHeadBytes, now: now)
            let timeouts = RequestTimeoutHandler(headTimeout: limits.requestHeadTimeout, idleTimeout: limits.idleTimeout, now: now)
            let observer = HTTPExchangeObserver()
            let caps = ConnectionCapHandler(limiter: connectionLimiter, limits: limits, now: now, logger: logger)
            let httpOnly: [any RemovableChannelHandler] = [httpHandler, headSize, timeouts, observer, caps]
            let boundHTTPOnly = NIOLoopBound(httpOnly, eventLoop: channel.eventLoop)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.configureHTTPServerPipeline(
                withServerUpgrade: (
                    upgraders: [upgrader],
                    completionHandler: { context in
                        for handler in boundHTTPOnly.value {
                            context.pipeline.syncOperations.removeHandler(handler, promise: nil)
                        }
                    }
                ),
                withErrorHandling: true
            )
            try pipeline.addHandler(httpHandler)
            try pipeline.addHandlers([headSize, timeouts], position: .first)
            let decoder = try pipeline.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try pipeline.addHandlers([observer, caps], position: .after(decoder))
        }
    }

    /// `127.0.0.1:53122`, or `[::1]:53122`.
    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "unknown" }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}

/// The upgrade slot was empty when NIO asked to install a stack: an invariant of the pipeline broke.
enum UpgradeSlotError: Error {
    case empty
    /// The router accepted `/echo-ws` or `/fanout-ws` on a server that has no consumers for them.
    case noDiagnosticEndpoints
}
