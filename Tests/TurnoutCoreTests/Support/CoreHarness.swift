import Logging
import NIOCore
import TurnoutCore
import TurnoutTestSupport

/// A core on a manual clock with in-memory connections and a fake webhook, for protocol tests.
///
/// The wall clock follows the manual scheduler from `2026-11-28T06:00:00.000Z`, so expected
/// JSON can name exact timestamps.
struct CoreHarness {
    static let startTime = Timestamp(year: 2026, month: 11, day: 28, hour: 6)
    /// `2026-11-28T06:00:00.000Z`.
    static let t0 = "2026-11-28T06:00:00.000Z"

    static let notes = AppRegistry.App(
        packageName: "com.example.notes",
        name: "Notes",
        publicUrl: "http://127.0.0.1:7010",
        apiKeySha256: APIKeyDigest(hashing: "notes-dev-key")
    )
    static let translate = AppRegistry.App(
        packageName: "com.example.translate",
        name: "Translate",
        publicUrl: "http://127.0.0.1:7011/",
        apiKeySha256: APIKeyDigest(hashing: "translate-key")
    )
    static let maps = AppRegistry.App(
        packageName: "com.example.maps",
        name: "Maps",
        publicUrl: "http://127.0.0.1:7012",
        apiKeySha256: APIKeyDigest(hashing: "maps-key")
    )
    static let apiKeys = ["com.example.notes": "notes-dev-key", "com.example.translate": "translate-key", "com.example.maps": "maps-key"]

    let scheduler = ManualScheduler()
    let webhooks = FakeWebhookSender()
    let apps = AppRegistryStore(AppRegistry([CoreHarness.notes, CoreHarness.translate, CoreHarness.maps]))
    let core: SessionRegistry

    init(configuration: CoreConfiguration = CoreConfiguration(heartbeat: .disabled), logLevel: Logger.Level = .critical) {
        let scheduler = self.scheduler
        var logger = Logger(label: "core-tests")
        logger.logLevel = logLevel
        self.core = SessionRegistry(
            configuration: configuration,
            apps: self.apps,
            webhookSender: self.webhooks,
            scheduler: scheduler,
            clock: WallClock { CoreHarness.startTime.advanced(by: scheduler.now) },
            logger: logger
        )
    }

    /// The ISO timestamp `offset` after the start, as the core writes it.
    static func time(_ offset: Duration) -> String {
        startTime.advanced(by: offset).iso8601
    }

    /// Opens a glasses connection and returns it with its handle; the `connection_ack` stays recorded.
    func openGlasses(
        _ userId: String,
        stack: TransportStack = .native,
        livekit: Bool = false,
        reportsCloseSynchronously: Bool = false
    )
        -> (TestConnection, ConnectionHandle)
    {
        let connection = TestConnection(
            .glasses(userId: userId, stack: stack, remoteAddress: "10.0.0.1:5000", livekit: livekit),
            reportsCloseSynchronously: reportsCloseSynchronously
        )
        let handle = self.core.connectionOpened(connection)
        connection.attach(handle)
        return (connection, handle)
    }

    /// Opens a legacy app connection (no user until init).
    func openLegacyApp(stack: TransportStack = .compat, reportsCloseSynchronously: Bool = false) -> (TestConnection, ConnectionHandle) {
        let connection = TestConnection(
            .legacyApp(stack: stack, remoteAddress: "10.0.0.2:6000"),
            reportsCloseSynchronously: reportsCloseSynchronously
        )
        let handle = self.core.connectionOpened(connection)
        connection.attach(handle)
        return (connection, handle)
    }

    /// The legacy init message an SDK sends.
    static func initMessage(userId: String, packageName: String, apiKey: String? = nil) -> String {
        let key = apiKey ?? apiKeys[packageName] ?? "unknown"
        return
            #"{"type":"tpa_connection_init","sessionId":"\#(userId)-\#(packageName)","packageName":"\#(packageName)","apiKey":"\#(key)","timestamp":"\#(t0)"}"#
    }

    /// Starts an app from the glasses and connects it with a legacy init; clears every recorded event.
    @discardableResult
    func startAndConnect(
        _ packageName: String,
        userId: String,
        glasses: (TestConnection, ConnectionHandle),
        subscriptions: [String]? = nil
    ) -> (TestConnection, ConnectionHandle) {
        glasses.1.textReceived(#"{"type":"start_app","packageName":"\#(packageName)"}"#)
        let app = self.openLegacyApp()
        app.1.textReceived(Self.initMessage(userId: userId, packageName: packageName))
        if let subscriptions {
            let list = subscriptions.map { "\"\($0)\"" }.joined(separator: ",")
            app.1.textReceived(#"{"type":"subscription_update","packageName":"\#(packageName)","subscriptions":[\#(list)]}"#)
        }
        _ = glasses.0.takeEvents()
        _ = app.0.takeEvents()
        _ = self.webhooks.takeAttempts()
        return app
    }
}

/// `app_state_change` for a user at a time.
func appStateChange(_ userId: String, at time: String = CoreHarness.t0) -> String {
    #"{"type":"app_state_change","sessionId":"\#(userId)","timestamp":"\#(time)"}"#
}

/// `microphone_state_change` for a user at a time.
func microphoneStateChange(_ userId: String, enabled: Bool, at time: String = CoreHarness.t0) -> String {
    let required = enabled ? #"["pcm"]"# : "[]"
    return
        #"{"type":"microphone_state_change","sessionId":"\#(userId)","isMicrophoneEnabled":\#(enabled),"requiredData":\#(required),"bypassVad":false,"timestamp":"\#(time)"}"#
}

/// `tpa_connection_ack` for a session id.
func appConnectionAck(_ sessionId: String, at time: String = CoreHarness.t0) -> String {
    #"{"type":"tpa_connection_ack","sessionId":"\#(sessionId)","settings":[],"mentraosSettings":{},"augmentosSettings":{},"capabilities":null,"timestamp":"\#(time)"}"#
}

/// `connection_ack` for a user.
func connectionAck(_ userId: String, at time: String = CoreHarness.t0) -> String {
    #"{"type":"connection_ack","sessionId":"\#(userId)","timestamp":"\#(time)"}"#
}

/// `tpa_connection_error`.
func appConnectionError(_ code: String, _ message: String, at time: String = CoreHarness.t0) -> String {
    #"{"type":"tpa_connection_error","code":"\#(code)","message":"\#(message)","timestamp":"\#(time)"}"#
}

/// `app_stopped` with its reason: `user_disabled` after `stop_app`, `system_stop` at session end.
func appStopped(_ reason: String, at time: String = CoreHarness.t0) -> String {
    #"{"type":"app_stopped","reason":"\#(reason)","timestamp":"\#(time)"}"#
}
