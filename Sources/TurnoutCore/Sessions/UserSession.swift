import Logging
import NIOCore
import Synchronization

/// One user's session: the glasses connection, the user's apps and their subscriptions.
///
/// ## Concurrency
/// All state sits behind this session's own `Mutex`; no other user ever waits on it. Every
/// operation runs in two steps:
/// 1. under the lock, it updates the state and appends the resulting sends, closes and webhooks
///    to the session's ``Outbox``;
/// 2. after releasing the lock, the first thread to find the outbox idle performs the queued
///    actions in order, looping until the outbox is empty.
///
/// So decisions are serialised in arrival order, actions leave in decision order (an app never
/// sees a `data_stream` before its `tpa_connection_ack`), no I/O happens under the lock, and a
/// connection may call back into the core from inside a send or close without deadlocking.
final class UserSession: Sendable {
    /// The session's lifecycle.
    private enum Lifecycle {
        /// The glasses are connected.
        case active
        /// The glasses socket closed; the timer ends the session.
        case grace(timer: any ScheduledWork, token: UInt64)
        /// The session is over and out of the registry; nothing attaches to it any more.
        case ended
    }

    /// The current glasses socket and the odd audio byte it carries.
    private struct GlassesAttachment {
        let handle: ConnectionHandle
        var carriedByte: UInt8?
    }

    private struct State {
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
    private let environment: CoreEnvironment
    private weak let registry: SessionRegistry?
    private let state = Mutex(State())

    init(userId: String, environment: CoreEnvironment, registry: SessionRegistry) {
        self.userId = userId
        self.environment = environment
        self.registry = registry
    }

    // MARK: - Performing

    /// Runs `body` under the lock, then performs the queued actions unless another thread already is.
    private func perform<Result: Sendable>(_ body: (inout State) -> Result) -> Result {
        let (result, batch) = self.state.withLock { state in
            let result = body(&state)
            return (result, state.outbox.takeIfIdle())
        }
        if var batch {
            while true {
                self.execute(&batch)
                let more = self.state.withLock { $0.outbox.continueDraining(&batch) }
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

    /// Handles one parsed glasses text message.
    ///
    /// - Parameters:
    ///   - handle: The connection it came on; messages from a replaced socket are dropped.
    ///   - message: The message.
    ///   - registeredApp: For `start_app`/`stop_app`, the app's registry entry read before locking.
    ///   - now: The timestamp for everything this message sends.
    func glassesText(from handle: ConnectionHandle, _ message: GlassesMessage, registeredApp: AppRegistry.App?, now: Timestamp) -> Outcome {
        switch message {
        case .transcription(let language, let data):
            return self.glassesEvent(from: handle, stream: "transcription:" + language, data: data, now: now)
        case .relay(let stream, let data):
            return self.glassesEvent(from: handle, stream: stream, data: data, now: now)
        case .connectionInit, .startApp, .stopApp:
            break
        }
        return self.perform { state in
            guard let glasses = state.glasses, glasses.handle === handle else {
                return .dropped("message from a replaced glasses socket")
            }
            switch message {
            case .connectionInit:
                state.outbox.append(.text(handle, OutboundMessage.connectionAck(userId: self.userId, timestamp: now)))
                return .handled
            case .startApp(let packageName):
                return self.startApp(&state, packageName: packageName, registeredApp: registeredApp, now: now)
            case .stopApp(let packageName):
                return self.stopApp(&state, packageName: packageName, registeredApp: registeredApp, now: now)
            case .transcription, .relay:
                // Routed above.
                return .handled
            }
        }
    }

    /// Routes one glasses event (a relayed message or a transcription) to the subscribed apps as `data_stream`.
    ///
    /// The per-message path: it takes the stream and data directly rather than the whole
    /// ``GlassesMessage``, which the lock's closure would otherwise copy.
    /// - Parameters:
    ///   - handle: The connection it came on; events from a replaced socket are dropped.
    ///   - stream: The event's stream: its `type`, or `transcription:<language>`.
    ///   - data: The `data` to send: the original message, or the transcription object.
    ///   - now: The timestamp of the `data_stream`s.
    func glassesEvent(from handle: ConnectionHandle, stream: String, data: ByteBuffer, now: Timestamp) -> Outcome {
        self.perform { state in
            guard let glasses = state.glasses, glasses.handle === handle else {
                return .dropped("message from a replaced glasses socket")
            }
            self.fanOut(&state, stream: stream, data: data, now: now)
            return .handled
        }
    }

    /// Forwards one binary audio frame to the apps that match `audio_chunk`, keeping whole samples.
    func glassesBinary(from handle: ConnectionHandle, _ data: ByteBuffer) -> Outcome {
        self.perform { state in
            guard var glasses = state.glasses, glasses.handle === handle else {
                return .dropped("audio from a replaced glasses socket")
            }
            var frame = data
            if let carried = glasses.carriedByte {
                var joined = ByteBuffer()
                joined.reserveCapacity(data.readableBytes + 1)
                joined.writeInteger(carried)
                joined.writeImmutableBuffer(data)
                frame = joined
                glasses.carriedByte = nil
            }
            if frame.readableBytes % 2 == 1 {
                glasses.carriedByte = frame.getInteger(at: frame.writerIndex - 1, as: UInt8.self)
                frame = frame.getSlice(at: frame.readerIndex, length: frame.readableBytes - 1)!
            }
            state.glasses = glasses
            guard frame.readableBytes > 0 else { return .handled }
            for app in state.apps where app.subscriptions.matchesAudio {
                if let connection = app.connection {
                    state.outbox.append(.binary(connection, frame))
                }
            }
            return .handled
        }
    }

    private func startApp(_ state: inout State, packageName: String, registeredApp: AppRegistry.App?, now: Timestamp) -> Outcome {
        guard let registeredApp else { return .dropped("start_app for an app that is not registered") }
        guard state.appIndex(packageName) == nil else { return .dropped("start_app for an app that is already started") }
        let token = state.makeToken()
        let deadline = self.scheduleInitDeadline(packageName: packageName, token: token)
        state.apps.append(AppSession(packageName: packageName, userId: self.userId, phase: .loading(deadline: deadline, token: token)))
        state.outbox.append(.webhook(self.environment.sessionRequest(app: registeredApp, userId: self.userId, timestamp: now)))
        return .handled
    }

    private func stopApp(_ state: inout State, packageName: String, registeredApp: AppRegistry.App?, now: Timestamp) -> Outcome {
        guard let index = state.appIndex(packageName) else { return .dropped("stop_app for an app that is not started") }
        let app = state.apps.remove(at: index)
        app.cancelTimer()
        let stopRequest = registeredApp.map { self.environment.stopRequest(app: $0, userId: self.userId, timestamp: now) }
        if let connection = app.connection {
            state.outbox.append(.text(connection, OutboundMessage.appStopped(reason: .userDisabled, timestamp: now)))
            // Apps on the SDK's TpaServer tear their session down when `stop_request` arrives: a
            // webhook that overtook the frames would leave the app with a bare close.
            state.outbox.append(.close(connection, code: CloseCode.normal, reason: CloseCode.appStoppedReason, then: stopRequest))
        } else if let stopRequest {
            state.outbox.append(.webhook(stopRequest))
        }
        self.appStateChanged(&state, now: now)
        return .handled
    }

    /// Queues a `data_stream` for every running app subscribed to `stream`.
    ///
    /// Each app gets the `streamType` it subscribed with (``SubscriptionSet/streamType(for:)``).
    /// Nearly always that is the stream's own name, and those apps share one encoding; the rare
    /// app that subscribed under another name (SDK 1.0.x's bare `transcription`, say) gets its own.
    private func fanOut(_ state: inout State, stream: String, data: ByteBuffer, now: Timestamp) {
        var renamed = false
        self.fanOut(&state, stream: stream, streamType: stream, data: data, now: now) { app in
            guard app.subscriptions.renamesStreams, app.subscriptions.streamType(for: stream) != stream else { return true }
            renamed = true
            return false
        }
        guard renamed else { return }
        for app in state.apps where app.receives(stream) && app.subscriptions.renamesStreams {
            let streamType = app.subscriptions.streamType(for: stream)
            guard streamType != stream else { continue }
            self.fanOut(&state, stream: stream, streamType: streamType, data: data, now: now) { $0 === app }
        }
    }

    /// Queues a `data_stream` with this `streamType` for every running app subscribed to `stream`
    /// that `selects`.
    ///
    /// All the messages are written into one buffer with the shared tail encoded once (see
    /// ``DataStreamFanOut``), in three passes over the few apps: find the recipients, write their
    /// messages, then hand each its slice.
    private func fanOut(
        _ state: inout State,
        stream: String,
        streamType: String,
        data: ByteBuffer,
        now: Timestamp,
        selects: (AppSession) -> Bool
    ) {
        func receives(_ app: AppSession) -> Bool {
            app.receives(stream) && selects(app)
        }
        // Bit i marks apps[i] as a recipient, so matching runs once per app; apps past the 64th
        // (never seen in practice) are matched again in the later passes.
        var recipientBits: UInt64 = 0
        var recipients = 0
        var prefixBytes = 0
        for index in state.apps.indices where receives(state.apps[index]) {
            if index < 64 { recipientBits |= 1 << UInt64(index) }
            recipients += 1
            prefixBytes += state.apps[index].dataStreamPrefix.readableBytes
        }
        guard recipients > 0 else { return }
        func isRecipient(_ index: Int) -> Bool {
            index < 64 ? recipientBits & (1 << UInt64(index)) != 0 : receives(state.apps[index])
        }

        var fanOut = DataStreamFanOut(streamType: streamType, data: data, timestamp: now, recipients: recipients, prefixBytes: prefixBytes)
        for index in state.apps.indices where isRecipient(index) {
            fanOut.append(prefix: state.apps[index].dataStreamPrefix)
        }
        var offset = 0
        for index in state.apps.indices where isRecipient(index) {
            // `receives` checked that the app is running.
            guard let connection = state.apps[index].connection else { continue }
            let prefixLength = state.apps[index].dataStreamPrefix.readableBytes
            state.outbox.append(.text(connection, fanOut.message(at: offset, prefixLength: prefixLength)))
            offset += prefixLength + fanOut.tailLength
        }
    }

    // MARK: - Apps

    /// Binds an app connection after its init passed the API-key check, and acknowledges it.
    ///
    /// Sends `tpa_connection_ack` to the app, then `app_state_change` to the glasses.
    /// - Returns: `.sessionNotFound` when the session ended, `.appNotStarted` when the app is not
    ///   loading, running or reconnecting; otherwise `nil`.
    func appInit(_ handle: ConnectionHandle, packageName: String, now: Timestamp) -> AppConnectionError? {
        self.perform { state in
            guard !state.isEnded else { return .sessionNotFound }
            guard let index = state.appIndex(packageName) else { return .appNotStarted }
            state.apps[index].cancelTimer()
            // A previous connection of the same app is replaced; its later messages and close are ignored.
            state.apps[index].phase = .running(handle)
            state.apps[index].hasRun = true
            state.outbox.append(.text(handle, OutboundMessage.appConnectionAck(sessionId: state.apps[index].sessionId, timestamp: now)))
            self.sendToGlasses(&state, OutboundMessage.appStateChange(userId: self.userId, timestamp: now))
            return nil
        }
    }

    /// Handles one parsed (or rejected) app text message from a bound connection.
    func appText(
        from handle: ConnectionHandle,
        packageName: String,
        _ message: Result<AppMessage, AppConnectionError>,
        now: Timestamp
    ) -> Outcome {
        self.perform { state in
            guard let index = state.appIndex(packageName), state.apps[index].isRunning(on: handle) else {
                return .dropped("message from an app that is not running")
            }
            switch message {
            case .failure(let error):
                self.failApp(&state, index: index, handle: handle, error: error, now: now)
                return .handled
            case .success(.subscriptionUpdate(let named, let subscriptions)):
                if let named, named != packageName {
                    return .dropped("subscription_update for another app (\(named))")
                }
                state.apps[index].subscriptions = SubscriptionSet(subscriptions)
                self.appStateChanged(&state, now: now)
                return .handled
            case .success(.displayEvent(let request)):
                if let named = request.packageName, named != packageName {
                    return .dropped("display_event for another app (\(named))")
                }
                guard state.glasses != nil else { return .dropped("display_event while the glasses are disconnected") }
                self.sendToGlasses(&state, OutboundMessage.displayEvent(request, timestamp: now))
                return .handled
            case .success(.connectionInit):
                // Re-init is handled by the connection before it gets here.
                return .handled
            case .success(.other(let type)):
                return .dropped("app message of type \(type) ignored")
            }
        }
    }

    /// An app connection closed (or was closed by the core's heartbeat): starts the app's reconnect grace.
    func appClosed(_ handle: ConnectionHandle, packageName: String) {
        self.perform { state in
            guard let index = state.appIndex(packageName), state.apps[index].isRunning(on: handle) else { return }
            self.dropApp(&state, index: index)
        }
    }

    /// An app's init failed on a connection that was bound to it: the app counts as dropped.
    private func failApp(_ state: inout State, index: Int, handle: ConnectionHandle, error: AppConnectionError, now: Timestamp) {
        state.outbox.append(.text(handle, OutboundMessage.appConnectionError(error, timestamp: now)))
        state.outbox.append(.close(handle, code: error.closeCode, reason: CloseCode.truncatedReason(error.message)))
        self.dropApp(&state, index: index)
    }

    private func dropApp(_ state: inout State, index: Int) {
        let packageName = state.apps[index].packageName
        let token = state.makeToken()
        let grace = self.environment.scheduler.schedule(after: self.environment.configuration.appReconnectGracePeriod) { [weak self] in
            self?.appGraceExpired(packageName: packageName, token: token)
        }
        state.apps[index].phase = .reconnecting(grace: grace, token: token)
    }

    private func appGraceExpired(packageName: String, token: UInt64) {
        let registeredApp = self.environment.apps.current.app(packageName)
        let now = self.environment.clock.now()
        let restarted = self.perform { state -> Bool? in
            guard let index = state.appIndex(packageName), case .reconnecting(_, let current) = state.apps[index].phase, current == token
            else { return nil }
            guard let registeredApp else {
                self.removeApp(&state, index: index, now: now)
                return false
            }
            let deadlineToken = state.makeToken()
            let deadline = self.scheduleInitDeadline(packageName: packageName, token: deadlineToken)
            state.apps[index].phase = .loading(deadline: deadline, token: deadlineToken)
            state.outbox.append(.webhook(self.environment.sessionRequest(app: registeredApp, userId: self.userId, timestamp: now)))
            return true
        }
        switch restarted {
        case true?:
            self.environment.logger.info(
                "app did not reconnect in time, restarting it through its webhook",
                metadata: ["userId": "\(self.userId)", "packageName": "\(packageName)"]
            )
        case false?:
            self.environment.logger.warning(
                "app did not reconnect in time and is no longer registered",
                metadata: ["userId": "\(self.userId)", "packageName": "\(packageName)"]
            )
        case nil:
            break
        }
    }

    private func scheduleInitDeadline(packageName: String, token: UInt64) -> any ScheduledWork {
        self.environment.scheduler.schedule(after: self.environment.configuration.appInitDeadline) { [weak self] in
            self?.initDeadlinePassed(packageName: packageName, token: token)
        }
    }

    private func initDeadlinePassed(packageName: String, token: UInt64) {
        let now = self.environment.clock.now()
        let failed = self.perform { state in
            guard let index = state.appIndex(packageName), case .loading(_, let current) = state.apps[index].phase, current == token
            else { return false }
            self.removeApp(&state, index: index, now: now)
            return true
        }
        if failed {
            self.environment.logger.warning(
                "app start failed: no init before the deadline",
                metadata: ["userId": "\(self.userId)", "packageName": "\(packageName)"]
            )
        }
    }

    /// Forgets an app that never (re)connected; the glasses hear of it when it had been running.
    private func removeApp(_ state: inout State, index: Int, now: Timestamp) {
        let app = state.apps.remove(at: index)
        app.cancelTimer()
        if app.hasRun {
            self.appStateChanged(&state, now: now)
        }
    }

    // MARK: - Glasses notifications

    /// Sends `app_state_change`, then `microphone_state_change` if the need for audio flipped.
    private func appStateChanged(_ state: inout State, now: Timestamp) {
        self.sendToGlasses(&state, OutboundMessage.appStateChange(userId: self.userId, timestamp: now))
        let needed = state.apps.contains { $0.subscriptions.needsAudio }
        guard needed != state.microphoneEnabled else { return }
        state.microphoneEnabled = needed
        self.sendToGlasses(&state, OutboundMessage.microphoneStateChange(userId: self.userId, enabled: needed, timestamp: now))
    }

    private func sendToGlasses(_ state: inout State, _ text: ByteBuffer) {
        guard let glasses = state.glasses else { return }
        state.outbox.append(.text(glasses.handle, text))
    }

    // MARK: - Inspection and shutdown

    /// The session's live connections, for `/admin/connections?userId=`.
    func connections() -> [ConnectionInfo] {
        let handles: [(ConnectionHandle, String?)] = self.state.withLock { state in
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
        self.state.withLock { state in
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
        self.state.withLock { state in
            if case .grace(let timer, _) = state.lifecycle { timer.cancel() }
            state.lifecycle = .ended
            state.glasses = nil
            for app in state.apps { app.cancelTimer() }
            state.apps.removeAll()
        }
    }
}
