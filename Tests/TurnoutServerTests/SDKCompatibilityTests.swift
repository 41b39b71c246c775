import Foundation
import Testing
import TurnoutCore
import TurnoutFlags
import TurnoutTestSupport

/// What the two app SDK generations in the field need beyond protocol.md's first draft, over real
/// sockets on both stacks (docs/protocol.md, "SDK compatibility"):
/// - AugmentOS SDK 1.0.x subscribes with the bare `transcription` and keys its handlers by the
///   `streamType` it receives; MentraOS SDK 2.x subscribes with, and looks up, `transcription:en-US`;
/// - SDK 1.0.x's `TpaServer` connects to its own `/tpa-ws`, ignoring the webhook's URL;
/// - both SDKs' `AppStopped` requires a `reason`;
/// - `TpaServer` tears its session down on `stop_request`, so that webhook must not overtake the frames.
@Suite("SDK compatibility: both stacks", .timeLimit(.minutes(2)))
struct SDKCompatibilityTests {
    static let stacks: [Stack] = [.compat, .native]

    /// Every user on `stack`, apps without a user hint (SDK 1.0.x on `/tpa-ws`) included.
    static func flags(allOn stack: Stack) -> String {
        "version: 1\nflags:\n  native-transport:\n    percentage: \(stack == .native ? 100 : 0)\n    unidentified: \(stack.rawValue)\n"
    }

    @Test("one user's transcription reaches a bare-form app as transcription and a language-form app as transcription:en-US", arguments: stacks)
    func transcriptionForms(stack: Stack) async throws {
        let user = "forms@example.com"
        try await withTestServer(flags: Self.flags(allOn: stack)) { server in
            let glasses = try await server.connectGlasses(user)
            try await glasses.expectText(type: "connection_ack")
            let legacy = try await Self.startApp("com.example.notes", server: server, glasses: glasses, user: user)
            try await legacy.sendText(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["transcription"]}"#)
            try await glasses.expectText(type: "app_state_change")
            try await glasses.expectText(type: "microphone_state_change")
            let current = try await Self.startApp("com.example.maps", server: server, glasses: glasses, user: user)
            try await current.sendText(#"{"type":"subscription_update","packageName":"com.example.maps","subscriptions":["transcription:en-US"]}"#)
            try await glasses.expectText(type: "app_state_change")

            try await glasses.sendText(#"{"type":"local_transcription","text":"hello","isFinal":true,"transcribeLanguage":"en-US"}"#)
            let data = #""data":{"type":"transcription","text":"hello","isFinal":true,"transcribeLanguage":"en-US"},"timestamp":"<ts>"}"#
            #expect(
                Transcript.normalise(try #require(await legacy.nextText()))
                    == #"{"type":"data_stream","sessionId":"forms@example.com-com.example.notes","streamType":"transcription","# + data
            )
            #expect(
                Transcript.normalise(try #require(await current.nextText()))
                    == #"{"type":"data_stream","sessionId":"forms@example.com-com.example.maps","streamType":"transcription:en-US","# + data
            )
        }
    }

    @Test("an app that connects to /tpa-ws, ignoring the webhook's URL, goes through the whole init", arguments: stacks)
    func tpaPath(stack: Stack) async throws {
        let user = "tpa@example.com"
        try await withTestServer(flags: Self.flags(allOn: stack)) { server in
            let glasses = try await server.connectGlasses(user)
            try await glasses.expectText(type: "connection_ack")
            try await glasses.sendText(#"{"type":"start_app","packageName":"com.example.notes"}"#)
            _ = try #require(await server.appServer.nextRequest())
            // SDK 1.0.x's TpaServer: its own URL, no ?userId= hint, then tpa_connection_init.
            let app = try await server.connectApp(path: "/tpa-ws")
            try await app.sendText(
                #"{"type":"tpa_connection_init","sessionId":"tpa@example.com-com.example.notes","packageName":"com.example.notes","apiKey":"\#(TestServer.apiKey)"}"#
            )
            #expect(
                Transcript.normalise(try #require(await app.nextText()))
                    == #"{"type":"tpa_connection_ack","sessionId":"tpa@example.com-com.example.notes","settings":[],"mentraosSettings":{},"augmentosSettings":{},"capabilities":null,"timestamp":"<ts>"}"#
            )
            try await glasses.expectText(type: "app_state_change")
            try await app.sendText(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["button_press"]}"#)
            try await glasses.expectText(type: "app_state_change")
            try await glasses.sendText(#"{"type":"button_press","buttonId":"main","pressType":"short"}"#)
            #expect(
                Transcript.normalise(try #require(await app.nextText()))
                    == #"{"type":"data_stream","sessionId":"tpa@example.com-com.example.notes","streamType":"button_press","data":{"type":"button_press","buttonId":"main","pressType":"short"},"timestamp":"<ts>"}"#
            )

            // The socket counts as the app endpoint, on the stack the flag gives unidentified apps.
            let answer = try await server.admin("/admin/connections?userId=tpa%40example.com")
            let sockets = try Self.sockets(answer.body)
            #expect(sockets.count == 2)
            let appSocket = try #require(sockets.first { $0["packageName"] as? String == "com.example.notes" })
            #expect(appSocket["endpoint"] as? String == "app")
            #expect(appSocket["stack"] as? String == stack.rawValue)
        }
    }

    @Test("app_stopped carries reason system_stop when the session ends", arguments: stacks)
    func systemStopReason(stack: Stack) async throws {
        let user = "ended@example.com"
        let core = CoreConfiguration(glassesGracePeriod: .milliseconds(50), heartbeat: .disabled)
        try await withTestServer(flags: Self.flags(allOn: stack), core: core) { server in
            let glasses = try await server.connectGlasses(user)
            try await glasses.expectText(type: "connection_ack")
            let app = try await Self.startApp("com.example.notes", server: server, glasses: glasses, user: user)
            try await glasses.sendClose(1000, "")
            #expect(Transcript.normalise(try #require(await app.nextText())) == #"{"type":"app_stopped","reason":"system_stop","timestamp":"<ts>"}"#)
            #expect(await app.nextMessage() == .close(1000, "User session ended"))
        }
    }

    @Test("stop_app: the app has app_stopped (user_disabled) and the close before its server gets stop_request", arguments: stacks)
    func stopOrder(stack: Stack) async throws {
        let user = "order@example.com"
        try await withTestServer(flags: Self.flags(allOn: stack)) { server in
            let glasses = try await server.connectGlasses(user)
            try await glasses.expectText(type: "connection_ack")
            // A lost race shows only now and then: stop and start again a few times.
            for _ in 0..<3 {
                let app = try await Self.startApp("com.example.notes", server: server, glasses: glasses, user: user, onAppLoop: true)
                let seenAtWebhook = LockedBox<[RawWebSocketClient.Event]?>(nil)
                server.appServer.observeArrivals { request in
                    guard request.body.contains(#""type":"stop_request""#) else { return }
                    seenAtWebhook.withLockedValue { $0 = app.received }
                }
                try await glasses.sendText(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
                let webhook = try #require(await server.appServer.nextRequest())
                #expect(webhook.body.contains(#""type":"stop_request""#))
                // The socket's TCP close may have been read too by then; pings are not part of the story.
                let seen = try #require(seenAtWebhook.withLockedValue { $0 }).filter { !$0.isPingOrPong && $0 != .closed }
                // The ack, then app_stopped and the close: all on the app's socket before the webhook.
                #expect(seen.count == 3)
                #expect(
                    seen.dropFirst().first.map(Transcript.describe) == #"text {"type":"app_stopped","reason":"user_disabled","timestamp":"<ts>"}"#
                )
                #expect(seen.dropFirst(2).first == .close(1000, "App stopped"))
                try await glasses.expectText(type: "app_state_change")
                await app.close()
            }
        }
    }

    // MARK: - Helpers

    /// start_app → session_request → the app connects to the webhook's URL and inits; returns once
    /// the app has its ack and the glasses their app_state_change.
    static func startApp(
        _ packageName: String,
        server: TestServer,
        glasses: RawWebSocketClient,
        user: String,
        onAppLoop: Bool = false
    ) async throws -> RawWebSocketClient {
        try await glasses.sendText(#"{"type":"start_app","packageName":"\#(packageName)"}"#)
        let request = try #require(await server.appServer.nextRequest())
        let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
        let url = try #require(body["mentraOSWebsocketUrl"] as? String)
        let app = try await server.connectApp(url: url, onAppLoop: onAppLoop)
        try await app.sendText(
            #"{"type":"tpa_connection_init","sessionId":"\#(user)-\#(packageName)","packageName":"\#(packageName)","apiKey":"\#(TestServer.apiKey)"}"#
        )
        #expect(try #require(await app.nextText()).hasPrefix(#"{"type":"tpa_connection_ack","#))
        try await glasses.expectText(type: "app_state_change")
        return app
    }

    static func sockets(_ body: String) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        return try #require(object["connections"] as? [[String: Any]])
    }
}

extension RawWebSocketClient {
    /// Waits for the next message and requires it to be text of this `type`.
    func expectText(type: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let text = try #require(await nextText(), sourceLocation: sourceLocation)
        #expect(text.hasPrefix(#"{"type":"\#(type)""#), "expected \(type), got \(text)", sourceLocation: sourceLocation)
    }
}

extension RawWebSocketClient.Event {
    var isPingOrPong: Bool {
        if case .frame(let frame) = self { return frame.opcode == 9 || frame.opcode == 10 }
        return false
    }
}
