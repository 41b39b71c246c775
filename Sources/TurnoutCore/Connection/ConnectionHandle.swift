import Logging
import NIOConcurrencyHelpers
package import NIOCore

/// The core's side of one connection: the stack keeps it and calls its entry points.
///
/// ``SessionRegistry/connectionOpened(_:)`` returns it. It holds what the per-message path
/// needs (the user's session once known, metrics, logger), so no message ever looks anything
/// up in a global table.
///
/// ## Contract for stacks
/// - Call the entry points of one handle one at a time, in the order frames arrived (an event
///   loop does this naturally). Different handles may be called concurrently from any threads.
/// - Every entry point is synchronous and non-blocking; call it on the event loop.
/// - Call ``connectionClosed(code:reason:)`` exactly once when the socket is gone, whoever
///   closed it; later calls to the other entry points are ignored.
package final class ConnectionHandle: Sendable {
    /// What the connection is bound to.
    private enum Binding {
        /// A legacy app before its init, or a connection the core refused.
        case unbound
        /// A glasses connection of a session.
        case glasses(UserSession)
        /// An app connection that completed init.
        case app(UserSession, packageName: String)
    }

    private struct State {
        var binding = Binding.unbound
        /// The core asked to close, or the stack reported the close: sends and messages stop, timers stop.
        var closing = false
        /// The stack reported the close.
        var reported = false
        var pingTimer: (any ScheduledWork)?
        var pongDeadline: (any ScheduledWork)?
        var pongDeadlineToken: UInt64 = 0

        mutating func stopHeartbeat() {
            self.pingTimer?.cancel()
            self.pingTimer = nil
            self.pongDeadline?.cancel()
            self.pongDeadline = nil
        }
    }

    /// The stack's connection.
    package let connection: any Connection
    /// The connection's identity, copied once at open.
    package let identity: ConnectionIdentity
    /// When the core saw the connection open.
    package let openedAt: Timestamp
    private let registry: SessionRegistry
    private let environment: CoreEnvironment
    private let metrics: ConnectionMetrics
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    init(connection: any Connection, registry: SessionRegistry, environment: CoreEnvironment) {
        let identity = connection.identity
        self.connection = connection
        self.identity = identity
        self.openedAt = environment.clock.now()
        self.registry = registry
        self.environment = environment
        self.metrics = ConnectionMetrics(stack: identity.stack, endpoint: identity.endpoint)
        var logger = environment.logger
        logger[metadataKey: "endpoint"] = "\(identity.endpoint.rawValue)"
        logger[metadataKey: "stack"] = "\(identity.stack.label)"
        logger[metadataKey: "remote"] = "\(identity.remoteAddress)"
        if let userId = identity.userId { logger[metadataKey: "userId"] = "\(userId)" }
        if let credentials = identity.appCredentials { logger[metadataKey: "packageName"] = "\(credentials.packageName)" }
        self.logger = logger
    }

    // MARK: - Entry points

    /// A text frame arrived.
    ///
    /// - Parameter text: The frame's payload, valid UTF-8 (the stack checks it and closes 1007 otherwise).
    package func textReceived(_ text: ByteBuffer) {
        let start = NIODeadline.now()
        self.metrics.received(bytes: text.readableBytes)
        guard let binding = self.currentBinding() else { return }
        switch self.identity.endpoint {
        case .glasses:
            guard case .glasses(let session) = binding else { return }
            self.glassesText(text, session: session)
        case .app:
            self.appText(text, binding: binding)
        }
        self.metrics.handled(nanoseconds: Self.nanoseconds(since: start))
    }

    /// A text message given as a `String`, for callers that hold one (the core's tests); both
    /// stacks hand over a `ByteBuffer` instead.
    package func textReceived(_ text: String) {
        self.textReceived(ByteBuffer(string: text))
    }

    /// A binary frame arrived: audio from the glasses; ignored from apps.
    package func binaryReceived(_ data: ByteBuffer) {
        let start = NIODeadline.now()
        self.metrics.received(bytes: data.readableBytes)
        guard let binding = self.currentBinding() else { return }
        switch binding {
        case .glasses(let session):
            if case .dropped(let reason) = session.glassesBinary(from: self, data) {
                self.logger.debug("audio dropped", metadata: ["reason": "\(reason)"])
            }
        case .app, .unbound:
            self.logger.debug("binary frame from an app ignored", metadata: ["bytes": "\(data.readableBytes)"])
        }
        self.metrics.handled(nanoseconds: Self.nanoseconds(since: start))
    }

    /// A pong arrived: every outstanding ping counts as answered.
    package func pongReceived() {
        self.state.withLockedValue { state in
            state.pongDeadline?.cancel()
            state.pongDeadline = nil
        }
    }

    /// The socket is closed; call exactly once per connection.
    ///
    /// - Parameters:
    ///   - code: The close code received or sent, `nil` when there was none (1005/1006).
    ///   - reason: The close reason, if any; for logs.
    package func connectionClosed(code: UInt16?, reason: String?) {
        let (firstClose, firstReport, binding) = self.state.withLockedValue { state in
            let firstClose = !state.closing
            let firstReport = !state.reported
            state.closing = true
            state.reported = true
            state.stopHeartbeat()
            return (firstClose, firstReport, state.binding)
        }
        guard firstReport else { return }
        self.logger.debug("connection closed", metadata: ["code": "\(code.map { String($0) } ?? "none")", "reason": "\(reason ?? "")"])
        self.metrics.closed(code: code)
        self.registry.connectionReportedClosed(self)
        if firstClose {
            self.notifySessionOfClose(binding)
        }
    }

    // MARK: - Opening

    /// Counts the connection as opened in the metrics; called once by the registry.
    func recordOpened() {
        self.metrics.opened()
    }

    /// Binds a glasses connection to its session; called once by the registry at open.
    func bindGlasses(to session: UserSession) {
        self.state.withLockedValue { $0.binding = .glasses(session) }
    }

    /// Runs init at open for an app in JWT mode.
    func initialiseFromCredentials(_ credentials: AppCredentials, userId: String) {
        self.performInit(userId: userId, packageName: credentials.packageName, apiKey: credentials.apiKey)
    }

    /// Starts the heartbeat, unless disabled or the connection is already closing.
    func startHeartbeat() {
        guard let interval = self.environment.configuration.heartbeat.pingInterval else { return }
        self.state.withLockedValue { state in
            guard !state.closing else { return }
            state.pingTimer = self.environment.scheduler.schedule(after: interval) { [weak self] in
                self?.heartbeatTick()
            }
        }
    }

    // MARK: - Sending and closing (called by sessions, outside their locks)

    func send(text: ByteBuffer) {
        let result = self.connection.sendText(text)
        self.metrics.sent(bytes: text.readableBytes, result: result)
    }

    func send(binary: ByteBuffer) {
        let result = self.connection.sendBinary(binary)
        self.metrics.sent(bytes: binary.readableBytes, result: result)
    }

    /// Closes the connection on the core's initiative; the session has already dealt with the consequences.
    func closeFromCore(code: UInt16, reason: String) {
        self.markClosingFromCore()
        self.connection.close(code: code, reason: reason)
    }

    /// Closes the connection on the core's initiative and calls `written` once the close frame is
    /// on the wire (or the socket is gone without it).
    func closeFromCore(code: UInt16, reason: String, whenWritten written: @escaping @Sendable () -> Void) {
        self.markClosingFromCore()
        self.connection.close(code: code, reason: reason, whenWritten: written)
    }

    private func markClosingFromCore() {
        self.state.withLockedValue { state in
            state.closing = true
            state.stopHeartbeat()
        }
    }

    // MARK: - Glasses

    private func glassesText(_ text: ByteBuffer, session: UserSession) {
        let message: GlassesMessage
        do {
            message = try GlassesMessage(parsing: text)
        } catch {
            self.logger.notice("glasses message dropped", metadata: ["reason": "\(error.reason)", "bytes": "\(text.readableBytes)"])
            return
        }
        // The one dispatch on the message's type: each kind has its own session entry point.
        let now = self.environment.clock.now()
        let outcome: UserSession.Outcome
        switch message {
        case .relay(let stream, let data):
            // The per-message path: no registry read, no enum handed through the session's lock.
            outcome = session.glassesEvent(from: self, stream: stream, data: data, now: now)
        case .transcription(let language, let data):
            outcome = session.glassesEvent(from: self, stream: Subscription.transcriptionPrefix + language, data: data, now: now)
        case .startApp(let packageName):
            outcome = session.startApp(from: self, packageName: packageName, registeredApp: self.environment.apps.current.app(packageName), now: now)
        case .stopApp(let packageName):
            outcome = session.stopApp(from: self, packageName: packageName, registeredApp: self.environment.apps.current.app(packageName), now: now)
        case .connectionInit:
            outcome = session.connectionInit(from: self, now: now)
        }
        if case .dropped(let reason) = outcome {
            self.logger.notice("glasses message dropped", metadata: ["reason": "\(reason)"])
        }
    }

    // MARK: - Apps

    private func appText(_ text: ByteBuffer, binding: Binding) {
        let message: Result<AppMessage, AppConnectionError>
        do {
            message = .success(try AppMessage(parsing: text))
        } catch {
            message = .failure(error)
        }
        if case .success(.connectionInit(let sessionId, let packageName, let apiKey)) = message {
            // userIds are emails and may contain "-": remove exactly the "-<packageName>" suffix, byte for byte.
            let suffix = ("-" + packageName).utf8
            let sessionBytes = sessionId.utf8
            guard sessionBytes.count > suffix.count, sessionBytes.suffix(suffix.count).elementsEqual(suffix) else {
                self.refuse(.malformedMessage("sessionId must be <userId>-<packageName>"), binding: binding)
                return
            }
            let userId = String(decoding: sessionBytes.dropLast(suffix.count), as: UTF8.self)
            self.performInit(userId: userId, packageName: packageName, apiKey: apiKey)
            return
        }
        switch binding {
        case .app(let session, let packageName):
            let outcome = session.appText(from: self, packageName: packageName, message, now: self.environment.clock.now())
            if case .dropped(let reason) = outcome {
                self.logger.notice("app message dropped", metadata: ["reason": "\(reason)"])
            }
        case .unbound, .glasses:
            switch message {
            case .failure(let error):
                self.refuse(error, binding: binding)
            case .success:
                self.logger.notice("app message before init dropped")
            }
        }
    }

    /// Checks an init in protocol order (session, API key, app started) and binds or refuses.
    private func performInit(userId: String, packageName: String, apiKey: String) {
        let binding = self.currentBinding() ?? .unbound
        guard let session = self.registry.session(forUser: userId) else {
            self.refuse(.sessionNotFound, binding: binding)
            return
        }
        guard self.environment.apps.current.authenticate(packageName: packageName, apiKey: apiKey) != nil else {
            self.refuse(.invalidAPIKey, binding: binding)
            return
        }
        if case .app(let previous, let previousPackage) = binding, previous !== session || previousPackage != packageName {
            // The connection re-inits as another app: the old one counts as dropped.
            previous.appClosed(self, packageName: previousPackage)
        }
        if let error = session.appInit(self, packageName: packageName, now: self.environment.clock.now()) {
            self.refuse(error, binding: binding)
            return
        }
        let closing = self.state.withLockedValue { state in
            state.binding = .app(session, packageName: packageName)
            return state.closing
        }
        self.logger.info("app connected", metadata: ["userId": "\(userId)", "packageName": "\(packageName)"])
        if closing {
            // The heartbeat closed the connection while init was running.
            session.appClosed(self, packageName: packageName)
        }
    }

    /// Sends `tpa_connection_error` and closes; a bound app counts as dropped.
    private func refuse(_ error: AppConnectionError, binding: Binding) {
        self.logger.notice("app connection refused", metadata: ["code": "\(error.code)", "message": "\(error.message)"])
        if case .app(let session, let packageName) = binding {
            session.appClosed(self, packageName: packageName)
        }
        self.send(text: OutboundMessage.appConnectionError(error, timestamp: self.environment.clock.now()))
        self.closeFromCore(code: error.closeCode, reason: CloseCode.truncatedReason(error.message))
    }

    // MARK: - Heartbeat

    private func heartbeatTick() {
        guard let interval = self.environment.configuration.heartbeat.pingInterval else { return }
        let timeout = self.environment.configuration.heartbeat.pongTimeout
        let shouldPing = self.state.withLockedValue { state -> Bool in
            guard !state.closing else { return false }
            state.pingTimer = self.environment.scheduler.schedule(after: interval) { [weak self] in
                self?.heartbeatTick()
            }
            if state.pongDeadline == nil {
                state.pongDeadlineToken += 1
                let token = state.pongDeadlineToken
                state.pongDeadline = self.environment.scheduler.schedule(after: timeout) { [weak self] in
                    self?.pongDeadlinePassed(token: token)
                }
            }
            return true
        }
        if shouldPing {
            self.connection.ping()
        }
    }

    private func pongDeadlinePassed(token: UInt64) {
        let binding = self.state.withLockedValue { state -> Binding? in
            guard !state.closing, state.pongDeadline != nil, state.pongDeadlineToken == token else { return nil }
            state.closing = true
            state.stopHeartbeat()
            return state.binding
        }
        guard let binding else { return }
        self.logger.notice("no pong in time, closing")
        self.notifySessionOfClose(binding)
        self.connection.close(code: CloseCode.goingAway, reason: CloseCode.pingTimeoutReason)
    }

    // MARK: - Helpers

    /// The binding, or `nil` once the connection is closing.
    private func currentBinding() -> Binding? {
        self.state.withLockedValue { $0.closing ? nil : $0.binding }
    }

    private func notifySessionOfClose(_ binding: Binding) {
        switch binding {
        case .glasses(let session): session.glassesClosed(self)
        case .app(let session, let packageName): session.appClosed(self, packageName: packageName)
        case .unbound: break
        }
    }

    /// Nanoseconds on the monotonic clock since `start`.
    ///
    /// `NIODeadline` reads a monotonic clock as plain nanoseconds, without `ContinuousClock`'s
    /// `Duration` and its 128-bit arithmetic; this runs twice per message.
    private static func nanoseconds(since start: NIODeadline) -> Int64 {
        Int64(truncatingIfNeeded: NIODeadline.now().uptimeNanoseconds &- start.uptimeNanoseconds)
    }
}
