import Logging
import NIOCore

extension UserSession {
    /// `start_app`: records the app as loading and posts its `session_request` webhook.
    ///
    /// - Parameter registeredApp: The app's registry entry, read before locking; `nil` when unregistered.
    func startApp(from handle: ConnectionHandle, packageName: String, registeredApp: AppRegistry.App?, now: Timestamp) -> Outcome {
        self.performForGlasses(handle) { state in
            self.startApp(&state, packageName: packageName, registeredApp: registeredApp, now: now)
        }
    }

    /// `stop_app`: stops the app (see docs/protocol.md, "Stopping an app").
    ///
    /// - Parameter registeredApp: The app's registry entry, read before locking, for the `stop_request` webhook.
    func stopApp(from handle: ConnectionHandle, packageName: String, registeredApp: AppRegistry.App?, now: Timestamp) -> Outcome {
        self.performForGlasses(handle) { state in
            self.stopApp(&state, packageName: packageName, registeredApp: registeredApp, now: now)
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
}
