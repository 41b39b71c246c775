import Testing
import TurnoutConfigFile
import TurnoutCore
import TurnoutTestSupport

@Suite("App lifecycle: start webhook, stop, init deadline, drop and restart")
struct AppLifecycleTests {
    static let user = "alice+tag@example.com"

    @Test("start_app posts session_request to publicUrl/webhook with the public /app-ws URL carrying the userId")
    func startWebhook() {
        let harness = CoreHarness(
            configuration: CoreConfiguration(heartbeat: .disabled, appWebSocketURL: "wss://glasses.example.com/app-ws")
        )
        let glasses = harness.openGlasses(Self.user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.translate"}"#)
        let url = "wss://glasses.example.com/app-ws?userId=alice%2Btag%40example.com"
        #expect(
            harness.webhooks.takeAttempts() == [
                .init(
                    kind: .sessionRequest,
                    url: "http://127.0.0.1:7011/webhook",
                    body:
                        #"{"type":"session_request","sessionId":"alice+tag@example.com-com.example.translate","userId":"alice+tag@example.com","timestamp":"2026-11-28T06:00:00.000Z","augmentOSWebsocketUrl":"\#(url)","mentraOSWebsocketUrl":"\#(url)"}"#
                )
            ]
        )
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.phase) == [.loading])
        // Nothing goes to the glasses until the app is running.
        #expect(glasses.0.takeTexts() == [connectionAck(Self.user)])
    }

    @Test("start_app twice, or for an unregistered app, is dropped")
    func startIgnored() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.nope"}"#)
        #expect(harness.webhooks.takeAttempts().count == 1)
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.packageName) == ["com.example.notes"])
    }

    @Test("stop_app: app_stopped, close 1000 App stopped, stop_request webhook, app_state_change")
    func stop() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["audio_chunk"])
        harness.scheduler.advance(by: .seconds(3))
        glasses.1.textReceived(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
        let at = CoreHarness.time(.seconds(3))
        #expect(app.0.takeEvents() == [.text(appStopped("user_disabled", at: at)), .close(code: 1000, reason: "App stopped")])
        // The webhook waits until the close frame is written: the app sees app_stopped and the
        // close before its server hears stop_request.
        #expect(harness.webhooks.attempts.isEmpty)
        app.0.completeWrites()
        #expect(
            harness.webhooks.takeAttempts() == [
                .init(
                    kind: .stopRequest,
                    url: "http://127.0.0.1:7010/webhook",
                    body:
                        #"{"type":"stop_request","sessionId":"alice+tag@example.com-com.example.notes","userId":"alice+tag@example.com","reason":"user_disabled","timestamp":"2026-11-28T06:00:03.000Z"}"#
                )
            ]
        )
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user, at: at), microphoneStateChange(Self.user, enabled: false, at: at)])
        // The stack's close report does not start a reconnect grace.
        app.1.connectionClosed(code: 1000, reason: "App stopped")
        harness.scheduler.advance(by: .seconds(30))
        #expect(harness.webhooks.attempts.isEmpty)
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.isEmpty == true)
        #expect(harness.scheduler.pendingCount == 0)
    }

    @Test("the stop sequence holds when the stack reports the close from inside close()")
    func stopWithSynchronousCloseReport() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        let app = harness.openLegacyApp(reportsCloseSynchronously: true)
        app.1.textReceived(CoreHarness.initMessage(userId: Self.user, packageName: "com.example.notes"))
        _ = app.0.takeEvents()
        _ = glasses.0.takeEvents()
        glasses.1.textReceived(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
        #expect(app.0.takeEvents() == [.text(appStopped("user_disabled")), .close(code: 1000, reason: "App stopped")])
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user)])
        #expect(harness.core.liveConnectionCount == 1)
    }

    @Test("stop_app while the app is still loading cancels its deadline and still notifies")
    func stopWhileLoading() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        _ = harness.webhooks.takeAttempts()
        _ = glasses.0.takeEvents()
        glasses.1.textReceived(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
        #expect(harness.webhooks.takeAttempts().map(\.kind) == [.stopRequest])
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user)])
        #expect(harness.scheduler.pendingCount == 0)
        // stop_app for an app that is not started is dropped.
        glasses.1.textReceived(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
        #expect(glasses.0.events.isEmpty)
        #expect(harness.webhooks.attempts.isEmpty)
    }

    @Test("an app that does not init within 5 s fails to start and is forgotten")
    func initDeadline() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        _ = glasses.0.takeEvents()
        harness.scheduler.advance(by: .milliseconds(4999))
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.phase) == [.loading])
        harness.scheduler.advance(by: .milliseconds(1))
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.isEmpty == true)
        #expect(glasses.0.events.isEmpty)
        let late = harness.openLegacyApp()
        late.1.textReceived(CoreHarness.initMessage(userId: Self.user, packageName: "com.example.notes"))
        #expect(late.0.takeTexts() == [appConnectionError("APP_NOT_STARTED", "App not started for this session", at: CoreHarness.time(.seconds(5)))])
    }

    @Test("an app that drops has 5 s to reconnect; in time it simply continues")
    func reconnectInTime() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let first = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        first.1.connectionClosed(code: 1006, reason: nil)
        harness.scheduler.advance(by: .milliseconds(4999))
        let second = harness.openLegacyApp()
        second.1.textReceived(CoreHarness.initMessage(userId: Self.user, packageName: "com.example.notes"))
        let at = CoreHarness.time(.milliseconds(4999))
        #expect(second.0.takeTexts() == [appConnectionAck("alice+tag@example.com-com.example.notes", at: at)])
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user, at: at)])
        harness.scheduler.advance(by: .seconds(60))
        #expect(harness.webhooks.attempts.isEmpty)
    }

    @Test("an app that does not come back within 5 s is restarted through the webhook, then may init")
    func restartAfterDrop() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let first = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["button_press"])
        first.1.connectionClosed(code: 1006, reason: nil)
        harness.scheduler.advance(by: .milliseconds(4999))
        #expect(harness.webhooks.attempts.isEmpty)
        harness.scheduler.advance(by: .milliseconds(1))
        let attempts = harness.webhooks.takeAttempts()
        #expect(attempts.map(\.kind) == [.sessionRequest])
        #expect(attempts.first?.body.contains(#""timestamp":"2026-11-28T06:00:05.000Z""#) == true)
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.phase) == [.loading])

        harness.scheduler.advance(by: .seconds(1))
        let restarted = harness.openLegacyApp()
        restarted.1.textReceived(CoreHarness.initMessage(userId: Self.user, packageName: "com.example.notes"))
        #expect(restarted.0.takeTexts() == [appConnectionAck("alice+tag@example.com-com.example.notes", at: CoreHarness.time(.seconds(6)))])
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user, at: CoreHarness.time(.seconds(6)))])
        #expect(harness.scheduler.pendingCount == 0)
    }

    @Test("a restarted app that never inits is removed and the glasses get app_state_change and microphone off")
    func restartFails() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["transcription"])
        app.1.connectionClosed(code: 1006, reason: nil)
        harness.scheduler.advance(by: .seconds(10))
        let at = CoreHarness.time(.seconds(10))
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user, at: at), microphoneStateChange(Self.user, enabled: false, at: at)])
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.isEmpty == true)
        #expect(harness.scheduler.pendingCount == 0)
    }

    @Test("a malformed message drops the app: it gets its 5 s grace and is restarted after it")
    func malformedDropsApp() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        app.1.textReceived("not json")
        #expect(app.0.takeEvents() == [.text(appConnectionError("MALFORMED_MESSAGE", "Invalid JSON")), .close(code: 1008, reason: "Invalid JSON")])
        app.1.connectionClosed(code: 1008, reason: "Invalid JSON")
        harness.scheduler.advance(by: .seconds(5))
        #expect(harness.webhooks.takeAttempts().map(\.kind) == [.sessionRequest])
    }

    @Test("the app registry can be replaced while running; later starts see the new snapshot")
    func registryReload() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        harness.apps.replace(with: AppRegistry([CoreHarness.maps]))
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.maps"}"#)
        #expect(harness.webhooks.takeAttempts().map(\.url) == ["http://127.0.0.1:7012/webhook"])
    }
}
