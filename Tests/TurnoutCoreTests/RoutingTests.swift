import NIOCore
import Testing
import TurnoutCore
import TurnoutTestSupport

@Suite("Routing: data_stream relay, local_transcription, display_event")
struct RoutingTests {
    static let user = "alice@example.com"

    @Test("glasses JSON goes to every subscribed app as data_stream with the original message as data")
    func relay() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let notes = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["head_position"])
        let maps = harness.startAndConnect("com.example.maps", userId: Self.user, glasses: glasses, subscriptions: ["button_press"])
        // Spacing, key order and number spelling of the original survive untouched.
        let original = #"{ "position" : "up", "type":"head_position", "n": 1.50e3, "nested": {"b":[1, {"c":null}],"a":true} }"#
        glasses.1.textReceived("  \(original)\n")
        #expect(
            notes.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"head_position","data":\#(original),"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
        #expect(maps.0.events.isEmpty)
        #expect(glasses.0.events.isEmpty)
    }

    @Test(
        "every other glasses type is relayed on the stream of its own name",
        arguments: [
            "button_press", "head_position", "VAD", "glasses_battery_update", "phone_battery_update", "glasses_connection_state",
            "location_update", "calendar_event", "phone_notification", "phone_notification_dismissed", "core_status_update",
            "some_future_type",
        ]
    )
    func relayedTypes(type: String) {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: [type])
        glasses.1.textReceived(#"{"type":"\#(type)","value":42}"#)
        #expect(
            app.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"\#(type)","data":{"type":"\#(type)","value":42},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
    }

    @Test("one event fans out to several apps byte for byte, a type that needs escapes included")
    func fanOutToSeveralApps() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let packages = ["com.example.notes", "com.example.translate", "com.example.maps"]
        let apps = packages.map { harness.startAndConnect($0, userId: Self.user, glasses: glasses, subscriptions: ["*"]) }
        for (original, streamType) in [
            (#"{"type":"head_position","position":"up"}"#, #""head_position""#),
            (#"{"type":"we\"ird\u0001\\ type"}"#, #""we\"ird\u0001\\ type""#),
        ] {
            glasses.1.textReceived(original)
            for (package, app) in zip(packages, apps) {
                #expect(
                    app.0.takeTexts() == [
                        #"{"type":"data_stream","sessionId":"alice@example.com-\#(package)","streamType":\#(streamType),"data":\#(original),"timestamp":"2026-11-28T06:00:00.000Z"}"#
                    ]
                )
            }
        }
    }

    @Test("local_transcription becomes a transcription data_stream on transcription:<language>")
    func localTranscription() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let english = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["transcription:en-US"])
        let german = harness.startAndConnect("com.example.maps", userId: Self.user, glasses: glasses, subscriptions: ["transcription:de-DE"])
        glasses.1.textReceived(
            #"{"type":"local_transcription","provider":"vosk","text":"hello \"world\"","isFinal":true,"startTime":1000,"endTime":2500,"speakerId":"0","transcribeLanguage":"en-US","extra":"dropped"}"#
        )
        #expect(
            english.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"transcription:en-US","data":{"type":"transcription","text":"hello \"world\"","isFinal":true,"transcribeLanguage":"en-US","startTime":1000,"endTime":2500,"speakerId":"0","provider":"vosk"},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
        #expect(german.0.events.isEmpty)

        glasses.1.textReceived(#"{"type":"local_transcription","text":"hallo","isFinal":false,"transcribeLanguage":"de-DE"}"#)
        #expect(
            german.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.maps","streamType":"transcription:de-DE","data":{"type":"transcription","text":"hallo","isFinal":false,"transcribeLanguage":"de-DE"},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
        #expect(english.0.events.isEmpty)
    }

    /// SDK 1.0.x subscribes with the bare name and keys its handlers by the `streamType` it gets;
    /// later SDKs subscribe with, and look up, the language form (protocol.md, "Glasses → cloud").
    @Test(
        "streamType follows the form the app subscribed with",
        arguments: [
            (["transcription"], "transcription"),
            (["transcription:en-US"], "transcription:en-US"),
            (["transcription", "transcription:en-US"], "transcription:en-US"),
            (["transcription", "*"], "transcription"),
            (["all"], "transcription:en-US"),
            // MentraOS SDK 2.1 writes options after the language, and `auto` for any language.
            (["transcription:en-US?no-language-identification=true&hints=es"], "transcription:en-US?no-language-identification=true&hints=es"),
            (["transcription:auto"], "transcription:auto"),
            (["transcription:auto", "transcription:en-US"], "transcription:en-US"),
        ]
    )
    func transcriptionStreamTypeForm(subscriptions: [String], streamType: String) {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: subscriptions)
        glasses.1.textReceived(#"{"type":"local_transcription","text":"hi","isFinal":true,"transcribeLanguage":"en-US"}"#)
        #expect(
            app.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"\#(streamType)","data":{"type":"transcription","text":"hi","isFinal":true,"transcribeLanguage":"en-US"},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
    }

    @Test("one transcription reaches a bare-form and a language-form app of one user, each in its own form")
    func transcriptionBothFormsOneUser() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let legacy = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["transcription"])
        let current = harness.startAndConnect("com.example.maps", userId: Self.user, glasses: glasses, subscriptions: ["transcription:en-US"])
        let german = harness.startAndConnect("com.example.translate", userId: Self.user, glasses: glasses, subscriptions: ["transcription:de-DE"])
        glasses.1.textReceived(#"{"type":"local_transcription","text":"hi","isFinal":true}"#)
        #expect(
            legacy.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"transcription","data":{"type":"transcription","text":"hi","isFinal":true},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
        #expect(
            current.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.maps","streamType":"transcription:en-US","data":{"type":"transcription","text":"hi","isFinal":true},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
        #expect(german.0.events.isEmpty)
    }

    @Test("transcription:auto matches every language and carries its own name")
    func autoTranscription() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["transcription:auto"])
        glasses.1.textReceived(#"{"type":"local_transcription","text":"hallo","isFinal":true,"transcribeLanguage":"de-DE"}"#)
        #expect(
            app.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"transcription:auto","data":{"type":"transcription","text":"hallo","isFinal":true,"transcribeLanguage":"de-DE"},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
    }

    @Test("SDK 1.0.x and 2.0.x subscribe to notification_dismissed: they get phone_notification_dismissed under that name")
    func notificationDismissedAlias() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let older = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["notification_dismissed"])
        let newer = harness.startAndConnect("com.example.maps", userId: Self.user, glasses: glasses, subscriptions: ["phone_notification_dismissed"])
        glasses.1.textReceived(#"{"type":"phone_notification_dismissed","notificationId":"n1"}"#)
        #expect(
            older.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"notification_dismissed","data":{"type":"phone_notification_dismissed","notificationId":"n1"},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
        #expect(
            newer.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.maps","streamType":"phone_notification_dismissed","data":{"type":"phone_notification_dismissed","notificationId":"n1"},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
    }

    @Test("a local_transcription without a language goes to transcription:en-US")
    func transcriptionDefaultLanguage() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["transcription:en-US"])
        glasses.1.textReceived(#"{"type":"local_transcription","text":"hi","isFinal":true}"#)
        #expect(
            app.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"transcription:en-US","data":{"type":"transcription","text":"hi","isFinal":true},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
    }

    @Test("display_event is validated and forwarded with exactly its fields and a fresh timestamp")
    func displayForwarded() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        harness.scheduler.advance(by: .milliseconds(250))
        app.1.textReceived(
            #"{"type":"display_event","packageName":"com.example.notes","view":"main","layout":{"layoutType":"text_wall","text":"Hi"},"durationMs":3000,"forceDisplay":true,"timestamp":"1999-01-01T00:00:00.000Z","sessionId":"x","junk":1}"#
        )
        #expect(
            glasses.0.takeTexts() == [
                #"{"type":"display_event","packageName":"com.example.notes","view":"main","layout":{"layoutType":"text_wall","text":"Hi"},"durationMs":3000,"forceDisplay":true,"timestamp":"2026-11-28T06:00:00.250Z"}"#
            ]
        )
        app.1.textReceived(#"{"type":"display_event","view":"dashboard","layout":{"layoutType":"clear_view"}}"#)
        #expect(
            glasses.0.takeTexts() == [
                #"{"type":"display_event","view":"dashboard","layout":{"layoutType":"clear_view"},"timestamp":"2026-11-28T06:00:00.250Z"}"#
            ]
        )
        #expect(app.0.events.isEmpty)
    }

    @Test(
        "every valid layoutType is forwarded",
        arguments: ["text_wall", "double_text_wall", "dashboard_card", "reference_card", "bitmap_view", "bitmap_animation", "clear_view"]
    )
    func validLayouts(layoutType: String) {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        app.1.textReceived(#"{"type":"display_event","view":"main","layout":{"layoutType":"\#(layoutType)"}}"#)
        #expect(glasses.0.takeTexts().count == 1)
        #expect(app.0.events.isEmpty)
    }

    @Test(
        "invalid display_event is MALFORMED_MESSAGE, close 1008, and the app counts as dropped",
        arguments: [
            (#"{"type":"display_event","view":"main","layout":{"layoutType":"hologram"}}"#, "Invalid layoutType"),
            (#"{"type":"display_event","view":"main","layout":{"layoutType":7}}"#, "Invalid layoutType"),
            (#"{"type":"display_event","view":"main","layout":{}}"#, "Invalid layoutType"),
            (#"{"type":"display_event","view":"main","layout":"text_wall"}"#, "Missing layout"),
            (#"{"type":"display_event","view":"main"}"#, "Missing layout"),
            (#"{"type":"display_event","view":"side","layout":{"layoutType":"text_wall"}}"#, "Invalid display view"),
            (#"{"type":"display_event","layout":{"layoutType":"text_wall"}}"#, "Invalid display view"),
            (#"{"type":"display_event","view":"main","layout":{"layoutType":"text_wall"},"durationMs":"5s"}"#, "Invalid durationMs"),
            (#"{"type":"display_event","view":"main","layout":{"layoutType":"text_wall"},"forceDisplay":1}"#, "Invalid forceDisplay"),
            (#"{"type":"display_event","packageName":3,"view":"main","layout":{"layoutType":"text_wall"}}"#, "Invalid packageName"),
        ]
    )
    func invalidDisplay(message: String, reason: String) {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        app.1.textReceived(message)
        #expect(app.0.events == [.text(appConnectionError("MALFORMED_MESSAGE", reason)), .close(code: 1008, reason: reason)])
        #expect(glasses.0.events.isEmpty)
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.phase) == [.reconnecting])
    }

    @Test("unknown app message types are logged and ignored, never closing the socket")
    func unknownAppType() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        app.1.textReceived(#"{"type":"dashboard_content_update","content":"x"}"#)
        app.1.textReceived(#"{"type":"","x":1}"#)
        #expect(app.0.events.isEmpty)
        #expect(glasses.0.events.isEmpty)
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.phase) == [.running])
    }

    @Test("a display_event for another package is dropped")
    func displayForOtherPackage() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        app.1.textReceived(#"{"type":"display_event","packageName":"com.example.maps","view":"main","layout":{"layoutType":"text_wall"}}"#)
        #expect(glasses.0.events.isEmpty)
        #expect(app.0.events.isEmpty)
    }
}
