import Logging
import NIOConcurrencyHelpers
import NIOCore

/// One user's session: the glasses connection, the user's apps and their subscriptions.
///
/// ## Concurrency
/// All state sits behind this session's own lock; no other user ever waits on it. Every
/// operation runs in two steps:
/// 1. under the lock, it updates the state and appends the resulting sends, closes and webhooks
///    to the session's ``Outbox``;
/// 2. after releasing the lock, the first thread to find the outbox idle performs the queued
///    actions in order, looping until the outbox is empty.
///
/// So decisions are serialised in arrival order, actions leave in decision order (an app never
/// sees a `data_stream` before its `tpa_connection_ack`), no I/O happens under the lock, and a
/// connection may call back into the core from inside a send or close without deadlocking.
///
/// The session's messages live in extensions: glasses events and audio in
/// `UserSession+Routing.swift`, apps in `UserSession+Apps.swift`. Its state and `perform` are
/// internal so that those files can reach them; nothing outside the session touches them.
final class UserSession: Sendable {
    /// The session's lifecycle.
    enum Lifecycle: Sendable {
        /// The glasses are connected.
        case active
        /// The glasses socket closed; the timer ends the session.
        case grace(timer: any ScheduledWork, token: UInt64)
        /// The session is over and out of the registry; nothing attaches to it any more.
        case ended
    }

    /// The current glasses socket and the odd audio byte it carries.
    struct GlassesAttachment: Sendable {
        let handle: ConnectionHandle
        var carriedByte: UInt8?
    }

    struct State: Sendable {
        var lifecycle = Lifecycle.active
        var glasses: GlassesAttachment?
        var livekit = false
        var apps: [AppSession] = []
        var microphoneEnabled = false
        var nextToken: UInt64 = 0
        var outbox = Outbox()

        mutating func makeToken() -> UInt64 {
            self.nextToken += 1
            return self.nextToken
        }

        func appIndex(_ packageName: String) -> Int? {
            self.apps.firstIndex { $0.packageName == packageName }
        }

        var isEnded: Bool {
            if case .ended = self.lifecycle { return true }
            return false
        }
    }

    /// What became of a message; drops are logged by the caller, outside the lock.
    enum Outcome: Sendable, Equatable {
        case handled
        case dropped(String)
    }

    /// The user this session belongs to.
    let userId: String
    let environment: CoreEnvironment
    weak let registry: SessionRegistry?
    let state = NIOLockedValueBox(State())

    init(userId: String, environment: CoreEnvironment, registry: SessionRegistry) {
        self.userId = userId
        self.environment = environment
        self.registry = registry
    }

    // MARK: - Performing

    /// Runs `body` under the lock, then performs the queued actions unless another thread already is.
    func perform<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        let (result, batch) = self.state.withLockedValue { state in
            let result = body(&state)
            return (result, state.outbox.takeIfIdle())
        }
        if var batch {
            while true {
                self.execute(&batch)
                let more = self.state.withLockedValue { $0.outbox.continueDraining(&batch) }
                if !more { break }
            }
        }
        return result
    }

    /// Performs the actions in order, moving each out of `batch`, which ends empty with its capacity kept.
    private func execute(_ batch: inout [OutboundAction]) {
        // Moving each action out (reverse, then pop from the end) instead of iterating and then
        // clearing saves a copy and a destroy of every action's payload.
        batch.reverse()
        while let action = batch.popLast() {
            switch action {
            case .text(let handle, let text):
                handle.send(text: text)
            case .binary(let handle, let data):
                handle.send(binary: data)
            case .close(let handle, let code, let reason, nil):
                handle.closeFromCore(code: code, reason: reason)
            case .close(let handle, let code, let reason, let webhook?):
                let webhooks = self.environment.webhooks
                handle.closeFromCore(code: code, reason: reason) { webhooks.deliver(webhook) }
            case .webhook(let request):
                self.environment.webhooks.deliver(request)
            }
        }
    }

    // MARK: - Glasses

    /// Runs `body` for a message from the session's current glasses socket; a message from a
    /// socket that a newer one replaced is dropped.
    func performForGlasses(_ handle: ConnectionHandle, _ body: (inout State) -> Outcome) -> Outcome {
        self.perform { state in
            guard let glasses = state.glasses, glasses.handle === handle else {
                return .dropped("message from a replaced glasses socket")
            }
            return body(&state)
        }
    }

    /// Attaches a new glasses connection and sends it `connection_ack`; replaces any previous one.
    ///
    /// - Returns: `false` when the session has ended; the caller then makes a new session.
    func attachGlasses(_ handle: ConnectionHandle, now: Timestamp) -> Bool {
        self.perform { state in
            switch state.lifecycle {
            case .ended:
                return false
            case .grace(let timer, _):
                timer.cancel()
            case .active:
                break
            }
            state.lifecycle = .active
            // A replaced socket is not closed here: its later messages and close are ignored.
            state.glasses = GlassesAttachment(handle: handle)
            state.livekit = handle.identity.livekit
            state.outbox.append(.text(handle, OutboundMessage.connectionAck(userId: self.userId, timestamp: now)))
            return true
        }
    }

    /// The glasses socket closed: starts the grace, unless a newer socket already replaced this one.
    func glassesClosed(_ handle: ConnectionHandle) {
        self.perform { state in
            guard let glasses = state.glasses, glasses.handle === handle else { return }
            state.glasses = nil
            let token = state.makeToken()
            let timer = self.environment.scheduler.schedule(after: self.environment.configuration.glassesGracePeriod) { [weak self] in
                self?.graceExpired(token: token)
            }
            state.lifecycle = .grace(timer: timer, token: token)
        }
    }

    private func graceExpired(token: UInt64) {
        let now = self.environment.clock.now()
        let ended = self.perform { state in
            guard case .grace(_, let current) = state.lifecycle, current == token else { return false }
            state.lifecycle = .ended
            for app in state.apps {
                app.cancelTimer()
                if let connection = app.connection {
                    state.outbox.append(.text(connection, OutboundMessage.appStopped(reason: .systemStop, timestamp: now)))
                    state.outbox.append(.close(connection, code: CloseCode.normal, reason: CloseCode.userSessionEndedReason))
                }
            }
            state.apps.removeAll()
            return true
        }
        if ended {
            self.environment.logger.info("user session ended after the glasses grace", metadata: ["userId": "\(self.userId)"])
            self.registry?.remove(self)
        }
    }

    /// `connection_init` from the glasses: answered with `connection_ack`.
    func connectionInit(from handle: ConnectionHandle, now: Timestamp) -> Outcome {
        self.performForGlasses(handle) { state in
            state.outbox.append(.text(handle, OutboundMessage.connectionAck(userId: self.userId, timestamp: now)))
            return .handled
        }
    }

    // MARK: - Inspection and shutdown

    /// The session's live connections, for `/admin/connections?userId=`.
    func connections() -> [ConnectionInfo] {
        let handles: [(ConnectionHandle, String?)] = self.state.withLockedValue { state in
            var handles: [(ConnectionHandle, String?)] = []
            if let glasses = state.glasses { handles.append((glasses.handle, nil)) }
            for app in state.apps {
                if let connection = app.connection { handles.append((connection, app.packageName)) }
            }
            return handles
        }
        return handles.map { handle, packageName in
            ConnectionInfo(
                endpoint: handle.identity.endpoint,
                stack: handle.identity.stack,
                packageName: packageName,
                remoteAddress: handle.identity.remoteAddress,
                openedAt: handle.openedAt
            )
        }
    }

    /// A snapshot of the session for tests and admin answers.
    func snapshot() -> UserSessionSnapshot {
        self.state.withLockedValue { state in
            let lifecycle: UserSessionSnapshot.Lifecycle =
                switch state.lifecycle {
                case .active: .active
                case .grace: .grace
                case .ended: .ended
                }
            let apps = state.apps.map { app in
                let phase: UserSessionSnapshot.AppPhase =
                    switch app.phase {
                    case .loading: .loading
                    case .running: .running
                    case .reconnecting: .reconnecting
                    }
                return UserSessionSnapshot.App(packageName: app.packageName, phase: phase, subscriptions: app.subscriptions)
            }
            return UserSessionSnapshot(
                userId: self.userId,
                lifecycle: lifecycle,
                livekit: state.livekit,
                microphoneEnabled: state.microphoneEnabled,
                apps: apps
            )
        }
    }

    /// Ends the session at server shutdown: cancels every timer and forgets the apps, sending nothing.
    ///
    /// The stacks close the sockets themselves (1001) during shutdown.
    func terminate() {
        self.state.withLockedValue { state in
            if case .grace(let timer, _) = state.lifecycle { timer.cancel() }
            state.lifecycle = .ended
            state.glasses = nil
            for app in state.apps { app.cancelTimer() }
            state.apps.removeAll()
        }
    }
}
