import Testing
import TurnoutCore
import TurnoutTestSupport

@Suite("App init: legacy and JWT mode, errors in protocol order")
struct AppInitTests {
    @Test("legacy init: tpa_connection_ack, then app_state_change to the glasses")
    func legacyInit() {
        let harness = CoreHarness()
        let user = "alice@example.com"
        let glasses = harness.openGlasses(user)
        _ = glasses.0.takeEvents()
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        let app = harness.openLegacyApp()
        #expect(app.0.events.isEmpty)
        harness.scheduler.advance(by: .seconds(2))
        app.1.textReceived(CoreHarness.initMessage(userId: user, packageName: "com.example.notes"))
        let at = CoreHarness.time(.seconds(2))
        #expect(app.0.takeTexts() == [appConnectionAck("alice@example.com-com.example.notes", at: at)])
        #expect(glasses.0.takeTexts() == [appStateChange(user, at: at)])
        #expect(harness.core.snapshot(ofUser: user)?.apps.map(\.phase) == [.running])
        #expect(harness.scheduler.pendingCount == 0)
    }

    @Test(
        "the userId is the sessionId minus the -<packageName> suffix, so emails with '-' work",
        arguments: ["first-last@example.com", "a-b-c@my-domain.example", "x-com.example.notes@example.com"]
    )
    func userIdWithDashes(user: String) {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        let app = harness.openLegacyApp()
        app.1.textReceived(CoreHarness.initMessage(userId: user, packageName: "com.example.notes"))
        #expect(app.0.takeTexts() == [appConnectionAck("\(user)-com.example.notes")])
    }

    @Test("JWT mode: init runs at open with the connection's identity")
    func jwtMode() {
        let harness = CoreHarness()
        let user = "alice@example.com"
        let glasses = harness.openGlasses(user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.maps"}"#)
        _ = glasses.0.takeEvents()
        let connection = TestConnection(
            .jwtApp(
                userId: user,
                credentials: AppCredentials(packageName: "com.example.maps", apiKey: "maps-key"),
                stack: .native,
                remoteAddress: "10.0.0.3:7000"
            )
        )
        _ = harness.core.connectionOpened(connection)
        #expect(connection.takeTexts() == [appConnectionAck("alice@example.com-com.example.maps")])
        #expect(glasses.0.takeTexts() == [appStateChange(user)])
    }

    @Test("JWT mode with a bad key gets INVALID_API_KEY and close 1008")
    func jwtModeInvalidKey() {
        let harness = CoreHarness()
        let user = "alice@example.com"
        let glasses = harness.openGlasses(user)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.maps"}"#)
        let connection = TestConnection(
            .jwtApp(user: user, package: "com.example.maps", apiKey: "wrong")
        )
        _ = harness.core.connectionOpened(connection)
        #expect(
            connection.events == [
                .text(appConnectionError("INVALID_API_KEY", "Invalid API key")), .close(code: 1008, reason: "Invalid API key"),
            ]
        )
    }

    /// One init error case: what exists, what the app sends, what it must get.
    struct InitErrorCase: CustomTestStringConvertible, Sendable {
        var name: String
        var sessionExists: Bool
        var appStarted: Bool
        var message: String
        var code: String
        var errorMessage: String
        var testDescription: String { self.name }
    }

    static let initErrorCases: [InitErrorCase] = [
        InitErrorCase(
            name: "no session",
            sessionExists: false,
            appStarted: false,
            message: CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.notes"),
            code: "SESSION_NOT_FOUND",
            errorMessage: "Session not found"
        ),
        InitErrorCase(
            name: "no session is reported before a bad key",
            sessionExists: false,
            appStarted: false,
            message: CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.notes", apiKey: "wrong"),
            code: "SESSION_NOT_FOUND",
            errorMessage: "Session not found"
        ),
        InitErrorCase(
            name: "wrong key",
            sessionExists: true,
            appStarted: true,
            message: CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.notes", apiKey: "wrong"),
            code: "INVALID_API_KEY",
            errorMessage: "Invalid API key"
        ),
        InitErrorCase(
            name: "a bad key is reported before not started",
            sessionExists: true,
            appStarted: false,
            message: CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.notes", apiKey: "wrong"),
            code: "INVALID_API_KEY",
            errorMessage: "Invalid API key"
        ),
        InitErrorCase(
            name: "unregistered package",
            sessionExists: true,
            appStarted: false,
            message: CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.unknown", apiKey: "x"),
            code: "INVALID_API_KEY",
            errorMessage: "Invalid API key"
        ),
        InitErrorCase(
            name: "not started",
            sessionExists: true,
            appStarted: false,
            message: CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.notes"),
            code: "APP_NOT_STARTED",
            errorMessage: "App not started for this session"
        ),
        InitErrorCase(
            name: "started for another app only",
            sessionExists: true,
            appStarted: true,
            message: CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.maps"),
            code: "APP_NOT_STARTED",
            errorMessage: "App not started for this session"
        ),
        InitErrorCase(
            name: "missing apiKey",
            sessionExists: true,
            appStarted: true,
            message: #"{"type":"tpa_connection_init","sessionId":"u@example.com-com.example.notes","packageName":"com.example.notes"}"#,
            code: "MALFORMED_MESSAGE",
            errorMessage: "Missing apiKey"
        ),
        InitErrorCase(
            name: "packageName is a number",
            sessionExists: true,
            appStarted: true,
            message: #"{"type":"tpa_connection_init","sessionId":"u@example.com-com.example.notes","packageName":7,"apiKey":"k"}"#,
            code: "MALFORMED_MESSAGE",
            errorMessage: "Missing packageName"
        ),
        InitErrorCase(
            name: "sessionId without the package suffix",
            sessionExists: true,
            appStarted: true,
            message: #"{"type":"tpa_connection_init","sessionId":"u@example.com","packageName":"com.example.notes","apiKey":"notes-dev-key"}"#,
            code: "MALFORMED_MESSAGE",
            errorMessage: "sessionId must be <userId>-<packageName>"
        ),
        InitErrorCase(
            name: "invalid JSON",
            sessionExists: true,
            appStarted: true,
            message: #"{"type":"tpa_connection_init","#,
            code: "MALFORMED_MESSAGE",
            errorMessage: "Invalid JSON"
        ),
        InitErrorCase(
            name: "not an object",
            sessionExists: true,
            appStarted: true,
            message: #"["tpa_connection_init"]"#,
            code: "MALFORMED_MESSAGE",
            errorMessage: "Message must be a JSON object"
        ),
        InitErrorCase(
            name: "no type",
            sessionExists: true,
            appStarted: true,
            message: #"{"sessionId":"u@example.com-com.example.notes"}"#,
            code: "MALFORMED_MESSAGE",
            errorMessage: "Missing message type"
        ),
    ]

    @Test("init errors: exact tpa_connection_error, then close 1008 with the message", arguments: initErrorCases)
    func initErrors(_ testCase: InitErrorCase) {
        let harness = CoreHarness()
        if testCase.sessionExists {
            let glasses = harness.openGlasses("u@example.com")
            if testCase.appStarted {
                glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
            }
            _ = glasses.0.takeEvents()
        }
        let app = harness.openLegacyApp()
        app.1.textReceived(testCase.message)
        #expect(
            app.0.events == [
                .text(appConnectionError(testCase.code, testCase.errorMessage)),
                .close(code: 1008, reason: testCase.errorMessage),
            ]
        )
        // Messages after the refusal are ignored.
        app.1.textReceived(CoreHarness.initMessage(userId: "u@example.com", packageName: "com.example.notes"))
        #expect(app.0.events.count == 2)
        app.1.connectionClosed(code: 1008, reason: testCase.errorMessage)
        #expect(harness.core.liveConnectionCount == (testCase.sessionExists ? 1 : 0))
    }

    @Test("an app counts as started while loading, running, or inside its reconnect grace")
    func startedStates() {
        let harness = CoreHarness()
        let user = "u@example.com"
        let glasses = harness.openGlasses(user)
        let first = harness.startAndConnect("com.example.notes", userId: user, glasses: glasses)
        // Running: a second connection takes over.
        let second = harness.openLegacyApp()
        second.1.textReceived(CoreHarness.initMessage(userId: user, packageName: "com.example.notes"))
        #expect(second.0.takeTexts() == [appConnectionAck("u@example.com-com.example.notes")])
        // The replaced socket's close is ignored: the app stays running.
        first.1.connectionClosed(code: 1006, reason: nil)
        #expect(harness.core.snapshot(ofUser: user)?.apps.map(\.phase) == [.running])
        // Reconnecting: a third connection within the grace is accepted.
        second.1.connectionClosed(code: 1006, reason: nil)
        #expect(harness.core.snapshot(ofUser: user)?.apps.map(\.phase) == [.reconnecting])
        harness.scheduler.advance(by: .seconds(4))
        let third = harness.openLegacyApp()
        third.1.textReceived(CoreHarness.initMessage(userId: user, packageName: "com.example.notes"))
        #expect(third.0.takeTexts() == [appConnectionAck("u@example.com-com.example.notes", at: CoreHarness.time(.seconds(4)))])
        #expect(harness.scheduler.pendingCount == 0)
    }

    @Test("AppConnectionError equality is by code and maps INTERNAL_ERROR to 1011")
    func errorCodes() {
        #expect(AppConnectionError.malformedMessage("a") == .malformedMessage("b"))
        #expect(AppConnectionError.sessionNotFound != .appNotStarted)
        #expect(AppConnectionError.internalError("boom").closeCode == 1011)
        #expect(AppConnectionError.internalError("boom").code == "INTERNAL_ERROR")
        #expect(AppConnectionError.invalidAPIKey.closeCode == 1008)
        #expect(AppConnectionError.appNotStarted.description == "APP_NOT_STARTED: App not started for this session")
    }
}

extension ConnectionIdentity {
    fileprivate static func jwtApp(user: String, package: String, apiKey: String) -> ConnectionIdentity {
        .jwtApp(userId: user, credentials: AppCredentials(packageName: package, apiKey: apiKey), stack: .native, remoteAddress: "r")
    }
}
