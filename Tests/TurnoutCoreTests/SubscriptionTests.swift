import Testing
import TurnoutCore

@Suite("Subscriptions: matching, normalisation, microphone")
struct SubscriptionTests {
    static let user = "alice@example.com"

    @Test(
        "matching rules",
        arguments: [
            (["button_press"], "button_press", true),
            (["button_press"], "head_position", false),
            (["all"], "head_position", true),
            (["*"], "audio_chunk", true),
            (["all"], "transcription:en-US", true),
            (["location_stream"], "location_update", true),
            (["location_update"], "location_update", true),
            (["location_stream"], "location_stream", true),
            (["transcription"], "transcription:en-US", true),
            (["transcription"], "transcription:de-DE", false),
            (["transcription:de-DE"], "transcription:de-DE", true),
            ([], "button_press", false),
            // More streams than matching compares one by one: the set lookup gives the same answers.
            (Self.manyStreams, "s7", true),
            (Self.manyStreams + ["location_stream"], "location_update", true),
            (Self.manyStreams, "head_position", false),
        ]
    )
    func matching(streams: [String], stream: String, matches: Bool) {
        #expect(SubscriptionSet(streams.map(Subscription.init)).matches(stream) == matches)
    }

    static let manyStreams = (0..<12).map { "s\($0)" }

    @Test("sets with the same streams are equal, whatever the order of the update")
    func equality() {
        let names = ["button_press", "audio_chunk", "head_position"]
        #expect(SubscriptionSet(names.map(Subscription.init)) == SubscriptionSet(names.reversed().map(Subscription.init)))
        #expect(SubscriptionSet(Self.manyStreams.map(Subscription.init)) == SubscriptionSet(Self.manyStreams.reversed().map(Subscription.init)))
        #expect(SubscriptionSet(["audio_chunk"].map(Subscription.init)).matchesAudio)
        #expect(!SubscriptionSet(["button_press"].map(Subscription.init)).matchesAudio)
    }

    @Test(
        "audio need: audio_chunk, transcription:*, translation:*; not all or *",
        arguments: [
            (["audio_chunk"], true),
            (["transcription"], true),
            (["transcription:fr-FR"], true),
            (["translation:en-US-to-de-DE"], true),
            (["all"], false),
            (["*"], false),
            (["button_press", "location_stream"], false),
            ([], false),
        ]
    )
    func audioNeed(streams: [String], needsAudio: Bool) {
        #expect(SubscriptionSet(streams.map(Subscription.init)).needsAudio == needsAudio)
    }

    @Test("subscription_update replaces the set and sends app_state_change; audio need sends microphone_state_change after it")
    func updateAndMicrophone() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)

        app.1.textReceived(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["button_press"]}"#)
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user)])

        app.1.textReceived(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["transcription"]}"#)
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user), microphoneStateChange(Self.user, enabled: true)])
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.first?.subscriptions.streams == ["transcription:en-US"])

        // Still needed: no microphone change.
        app.1.textReceived(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["audio_chunk"]}"#)
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user)])

        // The old set is replaced, not merged: button_press no longer matches.
        glasses.1.textReceived(#"{"type":"button_press"}"#)
        #expect(app.0.events.isEmpty)

        app.1.textReceived(#"{"type":"subscription_update","packageName":"com.example.notes","subscriptions":["*"]}"#)
        #expect(glasses.0.takeTexts() == [appStateChange(Self.user), microphoneStateChange(Self.user, enabled: false)])
        glasses.1.textReceived(#"{"type":"button_press"}"#)
        #expect(app.0.takeEvents().count == 1)
    }

    @Test("object subscriptions contribute their stream; location_stream receives location_update as location_update")
    func objectSubscriptions() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.maps", userId: Self.user, glasses: glasses)
        app.1.textReceived(
            #"{"type":"subscription_update","packageName":"com.example.maps","subscriptions":[{"stream":"location_stream","rate":"realtime"},"button_press"]}"#
        )
        _ = glasses.0.takeEvents()
        glasses.1.textReceived(#"{"type":"location_update","lat":52.52,"lng":13.405}"#)
        #expect(
            app.0.takeTexts() == [
                #"{"type":"data_stream","sessionId":"alice@example.com-com.example.maps","streamType":"location_update","data":{"type":"location_update","lat":52.52,"lng":13.405},"timestamp":"2026-11-28T06:00:00.000Z"}"#
            ]
        )
    }

    @Test("all and * receive every stream under the stream's own name")
    func wildcard() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["all"])
        glasses.1.textReceived(#"{"type":"location_update","lat":1}"#)
        glasses.1.textReceived(#"{"type":"local_transcription","text":"a","isFinal":true,"transcribeLanguage":"fr-FR"}"#)
        let texts = app.0.takeTexts()
        #expect(texts.count == 2)
        #expect(texts.first?.contains(#""streamType":"location_update""#) == true)
        #expect(texts.last?.contains(#""streamType":"transcription:fr-FR""#) == true)
    }

    @Test(
        "malformed subscription_update is MALFORMED_MESSAGE with close 1008",
        arguments: [
            (#"{"type":"subscription_update","subscriptions":"button_press"}"#, "subscriptions must be an array"),
            (#"{"type":"subscription_update"}"#, "subscriptions must be an array"),
            (#"{"type":"subscription_update","subscriptions":[1]}"#, "Invalid subscription"),
            (#"{"type":"subscription_update","subscriptions":[{"rate":"x"}]}"#, "Invalid subscription"),
            (#"{"type":"subscription_update","packageName":false,"subscriptions":[]}"#, "Invalid packageName"),
        ]
    )
    func malformed(message: String, reason: String) {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        app.1.textReceived(message)
        #expect(app.0.events == [.text(appConnectionError("MALFORMED_MESSAGE", reason)), .close(code: 1008, reason: reason)])
        #expect(glasses.0.events.isEmpty)
    }

    @Test("subscriptions survive an app reconnect within its grace")
    func survivesReconnect() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let first = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["button_press"])
        first.1.connectionClosed(code: 1006, reason: nil)
        glasses.1.textReceived(#"{"type":"button_press"}"#)
        #expect(first.0.events.isEmpty)
        let second = harness.openLegacyApp()
        second.1.textReceived(CoreHarness.initMessage(userId: Self.user, packageName: "com.example.notes"))
        _ = second.0.takeEvents()
        glasses.1.textReceived(#"{"type":"button_press"}"#)
        #expect(second.0.takeEvents().count == 1)
    }
}
