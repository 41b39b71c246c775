import NIOCore
import Testing
import TurnoutCore

@Suite("Bad input never crashes, hangs, closes a glasses socket or leaks")
struct BadInputTests {
    static let user = "alice@example.com"

    static let hugeString = String(repeating: "x", count: 10 * 1024 * 1024)

    static let badGlassesMessages: [String] = [
        "",
        "not json",
        "{",
        #"{"type":"button_press""#,
        #"{"type":"button_press"} trailing"#,
        "[]",
        "42",
        #""button_press""#,
        "null",
        "{}",
        #"{"type":7}"#,
        #"{"type":null}"#,
        #"{"type":["button_press"]}"#,
        #"{"type":"start_app"}"#,
        #"{"type":"start_app","packageName":42}"#,
        #"{"type":"stop_app","packageName":{"a":1}}"#,
        #"{"type":"start_app","packageName":"com.example.not-registered"}"#,
        #"{"type":"stop_app","packageName":"com.example.maps"}"#,
        #"{"type":"local_transcription","text":5}"#,
        #"{"type":"local_transcription","text":"a","transcribeLanguage":7}"#,
        #"{"type":"button_press","bad":"\x"}"#,
        #"{"type":"button_press","bad":"\u12"}"#,
        "{\"type\":\"button_press\",\"ctl\":\"a\u{01}b\"}",
        #"{"type":"button_press","n":01}"#,
        #"{"type":"button_press","n":1.}"#,
        #"{"type":"button_press","n":-}"#,
        #"{"type":"button_press",}"#,
        #"{"type":"button_press" "x":1}"#,
        #"{'type':'button_press'}"#,
        String(repeating: "[", count: 100_000),
        "{\"a\":" + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}",
    ]

    @Test("bad glasses messages are dropped: nothing sent, nothing closed", arguments: badGlassesMessages)
    func badGlassesInput(message: String) {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["*"])
        glasses.1.textReceived(message)
        #expect(glasses.0.events.isEmpty)
        #expect(app.0.events.isEmpty)
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.phase) == [.running])
        // The socket still works.
        glasses.1.textReceived(#"{"type":"connection_init"}"#)
        #expect(glasses.0.takeTexts() == [connectionAck(Self.user)])
    }

    @Test("a huge number is relayed byte for byte and never converted")
    func hugeNumber() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["phone_battery_update"])
        let digits = String(repeating: "9", count: 5000)
        let message = #"{"type":"phone_battery_update","level":\#(digits),"e":1e999999999,"f":-0.0000000000000000000000001}"#
        glasses.1.textReceived(message)
        let texts = app.0.takeTexts()
        #expect(texts.count == 1)
        #expect(texts.first?.contains(#""data":\#(message),"timestamp""#) == true)
    }

    @Test("a 10 MB string is relayed to a subscriber and dropped harmlessly otherwise", .timeLimit(.minutes(1)))
    func tenMegabyteString() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["phone_notification"])
        glasses.1.textReceived(#"{"type":"phone_notification","body":"\#(Self.hugeString)"}"#)
        glasses.1.textReceived(#"{"type":"calendar_event","body":"\#(Self.hugeString)"}"#)
        let texts = app.0.takeTexts()
        #expect(texts.count == 1)
        #expect(texts.first?.utf8.count ?? 0 > 10 * 1024 * 1024)
        // An app sending 10 MB of junk gets a protocol error, not a crash.
        app.1.textReceived(#"{"type":"display_event","view":"main","layout":{"layoutType":"\#(Self.hugeString)"}}"#)
        #expect(
            app.0.events == [.text(appConnectionError("MALFORMED_MESSAGE", "Invalid layoutType")), .close(code: 1008, reason: "Invalid layoutType")]
        )
    }

    @Test("messages for an app that is not running are dropped")
    func appNotRunning() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.openLegacyApp()
        // Before init: ignored, not refused.
        app.1.textReceived(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["*"]}"#)
        app.1.textReceived(#"{"type":"display_event","view":"main","layout":{"layoutType":"text_wall"}}"#)
        #expect(app.0.events.isEmpty)
        #expect(glasses.0.takeTexts() == [connectionAck(Self.user)])

        // After stop: the old connection's messages change nothing.
        let running = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        glasses.1.textReceived(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
        _ = glasses.0.takeEvents()
        _ = running.0.takeEvents()
        running.1.textReceived(#"{"type":"subscription_update","subscriptions":["*"]}"#)
        running.1.textReceived(#"{"type":"display_event","view":"main","layout":{"layoutType":"text_wall"}}"#)
        #expect(glasses.0.events.isEmpty)
        #expect(running.0.events.isEmpty)
    }

    @Test("a binary frame or text after the core closed the connection is ignored")
    func afterClose() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.openLegacyApp()
        app.1.textReceived("{}")
        #expect(
            app.0.takeEvents() == [
                .text(appConnectionError("MALFORMED_MESSAGE", "Missing message type")), .close(code: 1008, reason: "Missing message type"),
            ]
        )
        app.1.textReceived("{}")
        app.1.binaryReceived(ByteBuffer(bytes: [1]))
        app.1.pongReceived()
        app.1.connectionClosed(code: 1008, reason: nil)
        app.1.connectionClosed(code: 1008, reason: nil)
        #expect(app.0.events.isEmpty)
        #expect(harness.core.liveConnectionCount == 1)
        glasses.1.connectionClosed(code: nil, reason: nil)
        #expect(harness.core.liveConnectionCount == 0)
    }

    @Test("text given as String and as ByteBuffer behave the same")
    func stringAndBuffer() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        _ = glasses.0.takeEvents()
        glasses.1.textReceived(#"{"type":"connection_init"}"#)
        glasses.1.textReceived(ByteBuffer(string: #"{"type":"connection_init"}"#))
        var offset = ByteBuffer(string: #"xxxx{"type":"connection_init"}"#)
        offset.moveReaderIndex(forwardBy: 4)
        glasses.1.textReceived(offset)
        #expect(glasses.0.takeTexts().count == 3)
    }
}
