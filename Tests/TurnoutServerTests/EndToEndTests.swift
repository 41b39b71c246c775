import Foundation
import ServiceLifecycle
import Testing
import TurnoutCore
import TurnoutFlags
import TurnoutServer
import TurnoutTestSupport

/// Every protocol.md scenario over real sockets, once per stack. Each test runs its scenario on
/// compat and on native and requires the two transcripts to be identical, timestamps aside, and
/// equal to the expected one: a client must not be able to tell the stacks apart.
@Suite("End to end: both stacks, one behaviour", .timeLimit(.minutes(2)))
struct EndToEndTests {
    enum Scenario: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case ack
        case appLifecycle
        case graceReconnect
        case heartbeatTimeout
        case shutdown

        var testDescription: String { rawValue }

        var core: CoreConfiguration {
            switch self {
            case .heartbeatTimeout:
                CoreConfiguration(heartbeat: HeartbeatPolicy(pingInterval: .milliseconds(50), pongTimeout: .milliseconds(150)))
            default:
                CoreConfiguration(heartbeat: .disabled)
            }
        }
    }

    /// Runs `scenario` against a server whose flags put everyone on `stack`.
    static func transcript(of scenario: Scenario, flags: String) async throws -> [String] {
        let transcript = Transcript()
        try await withTestServer(flags: flags, core: scenario.core) { server in
            switch scenario {
            case .ack: try await Self.ack(server, transcript)
            case .appLifecycle: try await Self.appLifecycle(server, transcript)
            case .graceReconnect: try await Self.graceReconnect(server, transcript)
            case .heartbeatTimeout: try await Self.heartbeatTimeout(server, transcript)
            case .shutdown: try await Self.shutdown(server, transcript)
            }
        }
        return transcript.lines
    }

    @Test("compat and native produce the same transcript", arguments: Scenario.allCases)
    func stacksAgree(scenario: Scenario) async throws {
        let compat = try await Self.transcript(of: scenario, flags: TestServer.flags(allOn: .compat))
        let native = try await Self.transcript(of: scenario, flags: TestServer.flags(allOn: .native))
        #expect(compat == native)
        #expect(compat == Self.expected[scenario], "compat transcript:\n\(compat.joined(separator: "\n"))")
    }

    @Test("a user with glasses on native and an app on compat is routed exactly like a user on one stack")
    func mixedStacks() async throws {
        // endpoints: [glasses] leaves the app endpoint to compat while the glasses go native.
        let mixed = "version: 1\nflags:\n  native-transport:\n    percentage: 100\n    endpoints: [glasses]\n"
        // The flags must really split this user, or the comparison below proves nothing.
        try await withTestServer(flags: mixed) { server in
            let glasses = try await server.admin("/admin/route?userId=alice-smith@example.com&endpoint=glasses")
            #expect(glasses.body.contains(#""stack":"native","rule":"rollout""#))
            let app = try await server.admin("/admin/route?userId=alice-smith@example.com&endpoint=app")
            #expect(app.body.contains(#""stack":"compat","rule":"endpoint""#))
        }
        let transcript = try await Self.transcript(of: .appLifecycle, flags: mixed)
        #expect(transcript == Self.expected[.appLifecycle])
    }

    // MARK: - Scenarios

    static func ack(_ server: TestServer, _ transcript: Transcript) async throws {
        let glasses = try await server.connectGlasses("ack@example.com")
        await transcript.receive("glasses", from: glasses)
        try await glasses.sendText(#"{"type":"connection_init","coreToken":"ignored"}"#)
        await transcript.receive("glasses", from: glasses)
        try await glasses.sendClose(1000, "bye")
        await transcript.receiveUntilClosed("glasses", from: glasses)
    }

    static func appLifecycle(_ server: TestServer, _ transcript: Transcript) async throws {
        let glasses = try await server.connectGlasses("alice-smith@example.com")
        await transcript.receive("glasses", from: glasses)
        let app = try await startApp(server, transcript, glasses: glasses, user: "alice-smith@example.com")

        transcript.note("subscriptions")
        try await app.sendText(
            #"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["button_press","transcription",{"stream":"location_stream","rate":"standard"},"audio_chunk"]}"#
        )
        await transcript.receive("glasses", from: glasses)
        await transcript.receive("glasses", from: glasses)

        transcript.note("routing")
        try await glasses.sendText(#"{"type":"button_press","buttonId":"main","pressType":"short","timestamp":"2026-11-28T06:00:00.000Z"}"#)
        await transcript.receive("app", from: app)
        try await glasses.sendText(
            #"{"type":"local_transcription","text":"hello","isFinal":true,"startTime":0,"endTime":500,"speakerId":"0","transcribeLanguage":"en-US","provider":"local"}"#
        )
        await transcript.receive("app", from: app)
        try await glasses.sendText(#"{"type":"location_update","lat":52.5,"lng":13.4}"#)
        await transcript.receive("app", from: app)
        try await glasses.sendText(#"{"type":"head_position","position":"up"}"#)  // nobody subscribes: nothing arrives
        try await glasses.sendText(#"{"type":"no_such_type"}"#)  // unknown types never close a socket

        transcript.note("audio")
        try await glasses.sendBinary((0..<641).map { UInt8($0 % 251) })
        await transcript.receive("app", from: app)
        try await glasses.sendBinary([7, 8, 9])
        await transcript.receive("app", from: app)

        transcript.note("display")
        try await app.sendText(
            #"{"type":"display_event","packageName":"com.example.notes","view":"main","layout":{"layoutType":"text_wall","text":"Hi"},"durationMs":2000,"extra":1}"#
        )
        await transcript.receive("glasses", from: glasses)

        transcript.note("stop")
        try await glasses.sendText(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
        await transcript.receive("app", from: app)
        await transcript.receiveUntilClosed("app", from: app)
        await transcript.receive("glasses", from: glasses)
        let stop = await server.appServer.nextRequest()
        transcript.note("webhook \(stop.map { normaliseWebhook($0.body) } ?? "none")")
        try await glasses.sendClose(1000, "")
        await transcript.receiveUntilClosed("glasses", from: glasses)
    }

    static func graceReconnect(_ server: TestServer, _ transcript: Transcript) async throws {
        let user = "grace@example.com"
        let first = try await server.connectGlasses(user)
        await transcript.receive("glasses", from: first)
        let app = try await startApp(server, transcript, glasses: first, user: user)
        try await app.sendText(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["button_press"]}"#)
        await transcript.receive("glasses", from: first)

        transcript.note("glasses drop; the app stays")
        try await first.sendClose(1001, "going away")
        await transcript.receiveUntilClosed("glasses", from: first)

        transcript.note("glasses back within the grace")
        let second = try await server.connectGlasses(user)
        await transcript.receive("glasses", from: second)
        try await second.sendText(#"{"type":"button_press","buttonId":"main","pressType":"long"}"#)
        await transcript.receive("app", from: app)
        try await second.sendClose(1000, "")
        await transcript.receiveUntilClosed("glasses", from: second)
        try await app.sendClose(1000, "")
        await transcript.receiveUntilClosed("app", from: app)
    }

    static func heartbeatTimeout(_ server: TestServer, _ transcript: Transcript) async throws {
        let glasses = try await server.connectGlasses("silent@example.com", answerPings: false)
        await transcript.receive("glasses", from: glasses)
        await transcript.receiveUntilClosed("glasses", from: glasses)
    }

    static func shutdown(_ server: TestServer, _ transcript: Transcript) async throws {
        let glasses = try await server.connectGlasses("shutdown@example.com")
        await transcript.receive("glasses", from: glasses)
        await server.serviceGroup.triggerGracefulShutdown()
        await transcript.receiveUntilClosed("glasses", from: glasses)
    }

    /// start_app from the glasses → session_request webhook → the app connects to the URL it
    /// carries and inits (legacy mode, as the SDK does) → ack, and app_state_change to the glasses.
    static func startApp(_ server: TestServer, _ transcript: Transcript, glasses: RawWebSocketClient, user: String) async throws -> RawWebSocketClient
    {
        transcript.note("start_app")
        try await glasses.sendText(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        let request = try #require(await server.appServer.nextRequest())
        transcript.note("webhook \(normaliseWebhook(request.body))")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        let url = try #require(body["augmentOSWebsocketUrl"] as? String)
        let app = try await server.connectApp(url: url)
        try await app.sendText(
            #"{"type":"tpa_connection_init","sessionId":"\#(user)-com.example.notes","packageName":"com.example.notes","apiKey":"\#(TestServer.apiKey)"}"#
        )
        await transcript.receive("app", from: app)
        await transcript.receive("glasses", from: glasses)
        return app
    }

    static func normaliseWebhook(_ body: String) -> String {
        Transcript.normalise(body).replacingOccurrences(of: #"127\.0\.0\.1:[0-9]+"#, with: "<server>", options: .regularExpression)
    }

    static let expected: [Scenario: [String]] = [
        .ack: [
            #"glasses ← text {"type":"connection_ack","sessionId":"ack@example.com","timestamp":"<ts>"}"#,
            #"glasses ← text {"type":"connection_ack","sessionId":"ack@example.com","timestamp":"<ts>"}"#,
            #"glasses ← close 1000 "#,
            #"glasses ← tcp closed"#,
        ],
        .appLifecycle: [
            #"glasses ← text {"type":"connection_ack","sessionId":"alice-smith@example.com","timestamp":"<ts>"}"#,
            #"-- start_app"#,
            #"-- webhook {"type":"session_request","sessionId":"alice-smith@example.com-com.example.notes","userId":"alice-smith@example.com","timestamp":"<ts>","augmentOSWebsocketUrl":"ws://<server>/app-ws?userId=alice-smith%40example.com","mentraOSWebsocketUrl":"ws://<server>/app-ws?userId=alice-smith%40example.com"}"#,
            #"app ← text {"type":"tpa_connection_ack","sessionId":"alice-smith@example.com-com.example.notes","settings":[],"mentraosSettings":{},"augmentosSettings":{},"capabilities":null,"timestamp":"<ts>"}"#,
            #"glasses ← text {"type":"app_state_change","sessionId":"alice-smith@example.com","timestamp":"<ts>"}"#,
            #"-- subscriptions"#,
            #"glasses ← text {"type":"app_state_change","sessionId":"alice-smith@example.com","timestamp":"<ts>"}"#,
            #"glasses ← text {"type":"microphone_state_change","sessionId":"alice-smith@example.com","isMicrophoneEnabled":true,"requiredData":["pcm"],"bypassVad":false,"timestamp":"<ts>"}"#,
            #"-- routing"#,
            #"app ← text {"type":"data_stream","sessionId":"alice-smith@example.com-com.example.notes","streamType":"button_press","data":{"type":"button_press","buttonId":"main","pressType":"short","timestamp":"<ts>"},"timestamp":"<ts>"}"#,
            #"app ← text {"type":"data_stream","sessionId":"alice-smith@example.com-com.example.notes","streamType":"transcription","data":{"type":"transcription","text":"hello","isFinal":true,"transcribeLanguage":"en-US","startTime":0,"endTime":500,"speakerId":"0","provider":"local"},"timestamp":"<ts>"}"#,
            #"app ← text {"type":"data_stream","sessionId":"alice-smith@example.com-com.example.notes","streamType":"location_update","data":{"type":"location_update","lat":52.5,"lng":13.4},"timestamp":"<ts>"}"#,
            #"-- audio"#,
            #"app ← binary 640 bytes 0,1,2,3"#,
            #"app ← binary 4 bytes 138,7,8,9"#,
            #"-- display"#,
            #"glasses ← text {"type":"display_event","packageName":"com.example.notes","view":"main","layout":{"layoutType":"text_wall","text":"Hi"},"durationMs":2000,"timestamp":"<ts>"}"#,
            #"-- stop"#,
            #"app ← text {"type":"app_stopped","reason":"user_disabled","timestamp":"<ts>"}"#,
            #"app ← close 1000 App stopped"#,
            #"app ← tcp closed"#,
            #"glasses ← text {"type":"app_state_change","sessionId":"alice-smith@example.com","timestamp":"<ts>"}"#,
            #"-- webhook {"type":"stop_request","sessionId":"alice-smith@example.com-com.example.notes","userId":"alice-smith@example.com","reason":"user_disabled","timestamp":"<ts>"}"#,
            #"glasses ← text {"type":"microphone_state_change","sessionId":"alice-smith@example.com","isMicrophoneEnabled":false,"requiredData":[],"bypassVad":false,"timestamp":"<ts>"}"#,
            #"glasses ← close 1000 "#,
            #"glasses ← tcp closed"#,
        ],
        .graceReconnect: [
            #"glasses ← text {"type":"connection_ack","sessionId":"grace@example.com","timestamp":"<ts>"}"#,
            #"-- start_app"#,
            #"-- webhook {"type":"session_request","sessionId":"grace@example.com-com.example.notes","userId":"grace@example.com","timestamp":"<ts>","augmentOSWebsocketUrl":"ws://<server>/app-ws?userId=grace%40example.com","mentraOSWebsocketUrl":"ws://<server>/app-ws?userId=grace%40example.com"}"#,
            #"app ← text {"type":"tpa_connection_ack","sessionId":"grace@example.com-com.example.notes","settings":[],"mentraosSettings":{},"augmentosSettings":{},"capabilities":null,"timestamp":"<ts>"}"#,
            #"glasses ← text {"type":"app_state_change","sessionId":"grace@example.com","timestamp":"<ts>"}"#,
            #"glasses ← text {"type":"app_state_change","sessionId":"grace@example.com","timestamp":"<ts>"}"#,
            #"-- glasses drop; the app stays"#,
            #"glasses ← close 1001 "#,
            #"glasses ← tcp closed"#,
            #"-- glasses back within the grace"#,
            #"glasses ← text {"type":"connection_ack","sessionId":"grace@example.com","timestamp":"<ts>"}"#,
            #"app ← text {"type":"data_stream","sessionId":"grace@example.com-com.example.notes","streamType":"button_press","data":{"type":"button_press","buttonId":"main","pressType":"long"},"timestamp":"<ts>"}"#,
            #"glasses ← close 1000 "#,
            #"glasses ← tcp closed"#,
            #"app ← close 1000 "#,
            #"app ← tcp closed"#,
        ],
        .heartbeatTimeout: [
            #"glasses ← text {"type":"connection_ack","sessionId":"silent@example.com","timestamp":"<ts>"}"#,
            #"glasses ← close 1001 Ping timeout - no pong received"#,
            #"glasses ← tcp closed"#,
        ],
        .shutdown: [
            #"glasses ← text {"type":"connection_ack","sessionId":"shutdown@example.com","timestamp":"<ts>"}"#,
            #"glasses ← close 1001 Server shutting down"#,
            #"glasses ← tcp closed"#,
        ],
    ]
}
