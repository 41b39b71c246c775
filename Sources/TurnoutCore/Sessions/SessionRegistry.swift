package import Logging
import NIOConcurrencyHelpers

/// The core: every user's session, and the entry point through which stacks hand over connections.
///
/// A stack calls ``connectionOpened(_:)`` once per upgraded socket and then talks to the returned
/// ``ConnectionHandle``. The registry's own lock is taken only when a connection opens or closes,
/// when an app inits and when a session ends; never per message.
///
/// ```swift
/// let core = SessionRegistry(
///     configuration: CoreConfiguration(appWebSocketURL: "wss://glasses.example.com/app-ws"),
///     apps: appStore,
///     webhookSender: a WebhookSender (HTTPWebhookSender in TurnoutServer),
///     scheduler: EventLoopScheduler(group: eventLoopGroup),
///     logger: logger
/// )
/// let handle = core.connectionOpened(myConnection)   // on upgrade
/// handle.textReceived(buffer)                         // per text frame
/// handle.connectionClosed(code: 1000, reason: nil)    // once, when the socket is gone
/// ```
package final class SessionRegistry: Sendable {
    private struct State {
        var sessions: [String: UserSession] = [:]
        var liveConnections: [ConnectionCountKey: Int] = [:]
    }

    private let environment: CoreEnvironment
    private let state = NIOLockedValueBox(State())

    /// Creates the core.
    ///
    /// - Parameters:
    ///   - configuration: Grace periods, deadlines, heartbeat, webhook policy and the public `/app-ws` URL.
    ///   - apps: The app registry, reloadable.
    ///   - webhookSender: Makes webhook HTTP attempts (TurnoutServer's `HTTPWebhookSender` in production).
    ///   - scheduler: Runs every timer (``EventLoopScheduler`` in production).
    ///   - clock: Timestamps for messages and webhooks. Default ``WallClock/system``.
    ///   - logger: The base logger; connections add `userId`, `endpoint`, `stack` and `remote`.
    package init(
        configuration: CoreConfiguration = CoreConfiguration(),
        apps: AppRegistryStore,
        webhookSender: any WebhookSender,
        scheduler: any CoreScheduler,
        clock: WallClock = .system,
        logger: Logger
    ) {
        let webhooks = WebhookDispatcher(sender: webhookSender, scheduler: scheduler, policy: configuration.webhook, logger: logger)
        self.environment = CoreEnvironment(
            configuration: configuration,
            scheduler: scheduler,
            clock: clock,
            apps: apps,
            webhooks: webhooks,
            logger: logger
        )
    }

    /// Sets the public `/app-ws` URL put into `session_request` webhooks, replacing the
    /// configuration's: a server bound to port 0 knows its URL only once bound. Call before the
    /// public port accepts connections.
    package func publicPortBound(appWebSocketURL: String) {
        self.environment.appURL.set(appWebSocketURL)
    }

    // MARK: - Entry point

    /// A socket was upgraded and authenticated: the core takes it over.
    ///
    /// - Glasses: creates the user's session or re-attaches to it (cancelling its grace) and sends
    ///   `connection_ack`. A glasses identity without a userId is closed with 1011.
    /// - App in JWT mode (identity carries ``AppCredentials`` and a userId): runs init at once.
    /// - Legacy app: waits for `tpa_connection_init`.
    /// Then starts the heartbeat.
    ///
    /// Synchronous and non-blocking; the connection must accept sends during this call.
    /// - Parameter connection: The stack's connection.
    /// - Returns: The handle through which the stack reports the connection's frames, pongs and close.
    package func connectionOpened(_ connection: any Connection) -> ConnectionHandle {
        let handle = ConnectionHandle(connection: connection, registry: self, environment: self.environment)
        let identity = handle.identity
        self.state.withLockedValue { $0.liveConnections[ConnectionCountKey(stack: identity.stack, endpoint: identity.endpoint), default: 0] += 1 }
        handle.recordOpened()
        switch identity.endpoint {
        case .glasses:
            guard let userId = identity.userId else {
                self.environment.logger.error("glasses connection without a user refused")
                handle.closeFromCore(code: CloseCode.internalError, reason: "Missing user")
                return handle
            }
            let now = self.environment.clock.now()
            while true {
                let session = self.state.withLockedValue { state in
                    if let session = state.sessions[userId] { return session }
                    let session = UserSession(userId: userId, environment: self.environment, registry: self)
                    state.sessions[userId] = session
                    return session
                }
                if session.attachGlasses(handle, now: now) {
                    handle.bindGlasses(to: session)
                    break
                }
                // The session ended between the lookup and the attach: forget it and make a new one.
                self.remove(session)
            }
        case .app:
            if let credentials = identity.appCredentials, let userId = identity.userId {
                handle.initialiseFromCredentials(credentials, userId: userId)
            }
        }
        handle.startHeartbeat()
        return handle
    }

    // MARK: - Inspection

    /// How many user sessions exist, in grace included.
    package var sessionCount: Int {
        self.state.withLockedValue { $0.sessions.count }
    }

    /// How many connections are open (opened and not yet reported closed by their stack).
    package var liveConnectionCount: Int {
        self.state.withLockedValue { $0.liveConnections.values.reduce(0, +) }
    }

    /// Open connections by stack and endpoint, for `/admin/connections`.
    package func connectionCounts() -> [ConnectionCountKey: Int] {
        self.state.withLockedValue { $0.liveConnections.filter { $0.value > 0 } }
    }

    /// A user's connections (glasses and running apps), for `/admin/connections?userId=`; empty without a session.
    package func connections(ofUser userId: String) -> [ConnectionInfo] {
        self.session(forUser: userId)?.connections() ?? []
    }

    /// A snapshot of a user's session, or `nil` when the user has none.
    package func snapshot(ofUser userId: String) -> UserSessionSnapshot? {
        self.session(forUser: userId)?.snapshot()
    }

    /// Ends every session at shutdown: cancels the core's session timers and forgets all sessions, sending nothing.
    ///
    /// The stacks close the sockets (1001) and report each close as usual.
    package func shutdown() {
        let sessions = self.state.withLockedValue { state in
            let sessions = Array(state.sessions.values)
            state.sessions.removeAll()
            return sessions
        }
        for session in sessions { session.terminate() }
    }

    // MARK: - Internal

    func session(forUser userId: String) -> UserSession? {
        self.state.withLockedValue { $0.sessions[userId] }
    }

    /// Removes a session if it is still the user's current one.
    func remove(_ session: UserSession) {
        self.state.withLockedValue { state in
            if state.sessions[session.userId] === session {
                state.sessions[session.userId] = nil
            }
        }
    }

    func connectionReportedClosed(_ handle: ConnectionHandle) {
        let key = ConnectionCountKey(stack: handle.identity.stack, endpoint: handle.identity.endpoint)
        self.state.withLockedValue { state in
            state.liveConnections[key, default: 0] -= 1
            if state.liveConnections[key] == 0 { state.liveConnections[key] = nil }
        }
    }
}
