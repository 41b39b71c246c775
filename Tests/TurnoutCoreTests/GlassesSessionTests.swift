import NIOCore
import Testing
import TurnoutCore
import TurnoutTestSupport

@Suite("Glasses session: ack, connection_init, grace, stale sockets")
struct GlassesSessionTests {
    @Test("opening a glasses socket creates the session and sends connection_ack")
    func ackOnOpen() {
        let harness = CoreHarness()
        let (glasses, _) = harness.openGlasses("alice@example.com", livekit: true)
        #expect(glasses.takeEvents() == [.text(connectionAck("alice@example.com"))])
        #expect(harness.core.sessionCount == 1)
        let snapshot = harness.core.snapshot(ofUser: "alice@example.com")
        #expect(snapshot?.lifecycle == .active)
        #expect(snapshot?.livekit == true)
    }

    @Test("connection_init is answered with another connection_ack; its content is ignored")
    func connectionInitIsAcked() {
        let harness = CoreHarness()
        let (glasses, handle) = harness.openGlasses("alice@example.com")
        _ = glasses.takeEvents()
        harness.scheduler.advance(by: .milliseconds(1500))
        handle.textReceived(#"{"type":"connection_init","coreToken":"whatever","extra":[1,2,3]}"#)
        #expect(glasses.takeEvents() == [.text(connectionAck("alice@example.com", at: "2026-11-28T06:00:01.500Z"))])
    }

    @Test("a userId with characters that need JSON escaping is escaped in the ack")
    func escapedUserId() {
        let harness = CoreHarness()
        let (glasses, _) = harness.openGlasses("we\"ird\\user\n")
        #expect(glasses.takeTexts() == [#"{"type":"connection_ack","sessionId":"we\"ird\\user\n","timestamp":"2026-11-28T06:00:00.000Z"}"#])
    }

    @Test("a reconnect within the grace keeps the session, its apps and subscriptions")
    func graceReconnect() {
        let harness = CoreHarness()
        let user = "alice@example.com"
        let first = harness.openGlasses(user)
        let app = harness.startAndConnect("com.example.notes", userId: user, glasses: first, subscriptions: ["button_press"])

        first.1.connectionClosed(code: 1006, reason: nil)
        #expect(harness.core.snapshot(ofUser: user)?.lifecycle == .grace)
        harness.scheduler.advance(by: .seconds(59))
        #expect(app.0.events.isEmpty)

        let second = harness.openGlasses(user)
        #expect(second.0.takeTexts() == [connectionAck(user, at: CoreHarness.time(.seconds(59)))])
        #expect(harness.core.snapshot(ofUser: user)?.lifecycle == .active)
        harness.scheduler.advance(by: .seconds(120))
        #expect(harness.core.sessionCount == 1)
        #expect(harness.scheduler.pendingCount == 0)

        // The app is still connected and still subscribed.
        second.1.textReceived(#"{"type":"button_press","buttonId":"main"}"#)
        let expected =
            #"{"type":"data_stream","sessionId":"alice@example.com-com.example.notes","streamType":"button_press","data":{"type":"button_press","buttonId":"main"},"timestamp":"2026-11-28T06:02:59.000Z"}"#
        #expect(app.0.takeEvents() == [.text(expected)])
    }

    @Test("grace expiry stops every app with app_stopped and close 1000 User session ended, then removes the session")
    func graceExpiry() {
        let harness = CoreHarness(configuration: CoreConfiguration(glassesGracePeriod: .seconds(60), heartbeat: .disabled))
        let user = "alice@example.com"
        let glasses = harness.openGlasses(user)
        let notes = harness.startAndConnect("com.example.notes", userId: user, glasses: glasses)
        let maps = harness.startAndConnect("com.example.maps", userId: user, glasses: glasses)

        glasses.1.connectionClosed(code: 1000, reason: "bye")
        harness.scheduler.advance(by: .milliseconds(59_999))
        #expect(notes.0.events.isEmpty)
        harness.scheduler.advance(by: .milliseconds(1))

        let end = CoreHarness.time(.seconds(60))
        #expect(notes.0.takeEvents() == [.text(appStopped("system_stop", at: end)), .close(code: 1000, reason: "User session ended")])
        #expect(maps.0.takeEvents() == [.text(appStopped("system_stop", at: end)), .close(code: 1000, reason: "User session ended")])
        #expect(harness.core.sessionCount == 0)
        #expect(harness.webhooks.attempts.isEmpty)

        // The stacks report the app closes later: nothing restarts.
        notes.1.connectionClosed(code: 1000, reason: "User session ended")
        maps.1.connectionClosed(code: 1000, reason: "User session ended")
        harness.scheduler.advance(by: .seconds(30))
        #expect(harness.webhooks.attempts.isEmpty)
        #expect(harness.scheduler.pendingCount == 0)
        #expect(harness.core.liveConnectionCount == 0)
    }

    @Test("a glasses reconnect after expiry makes a fresh session")
    func reconnectAfterExpiry() {
        let harness = CoreHarness()
        let user = "bob@example.com"
        let first = harness.openGlasses(user)
        harness.startAndConnect("com.example.notes", userId: user, glasses: first)
        first.1.connectionClosed(code: 1001, reason: nil)
        harness.scheduler.advance(by: .seconds(61))
        let second = harness.openGlasses(user)
        #expect(second.0.takeTexts() == [connectionAck(user, at: CoreHarness.time(.seconds(61)))])
        #expect(harness.core.snapshot(ofUser: user)?.apps.isEmpty == true)
    }

    @Test("a close from a socket that a newer glasses connection replaced is ignored")
    func staleSocketClose() {
        let harness = CoreHarness()
        let user = "carol@example.com"
        let old = harness.openGlasses(user, stack: .compat)
        let app = harness.startAndConnect("com.example.notes", userId: user, glasses: old, subscriptions: ["button_press"])
        let new = harness.openGlasses(user, stack: .native)
        _ = new.0.takeEvents()

        old.1.connectionClosed(code: 1006, reason: nil)
        #expect(harness.core.snapshot(ofUser: user)?.lifecycle == .active)
        harness.scheduler.advance(by: .seconds(300))
        #expect(harness.core.sessionCount == 1)
        #expect(app.0.events.isEmpty)
        #expect(harness.scheduler.pendingCount == 0)

        // The new socket routes; the old one's messages were already ignored.
        old.1.textReceived(#"{"type":"button_press"}"#)
        #expect(app.0.events.isEmpty)
        new.1.textReceived(#"{"type":"button_press"}"#)
        #expect(app.0.takeEvents().count == 1)
        #expect(harness.core.connections(ofUser: user).map(\.stack) == [.native, .compat])
    }

    @Test("messages from a replaced glasses socket that is still open are ignored")
    func replacedSocketMessagesIgnored() {
        let harness = CoreHarness()
        let user = "dave@example.com"
        let old = harness.openGlasses(user)
        let app = harness.startAndConnect("com.example.notes", userId: user, glasses: old, subscriptions: ["*"])
        _ = harness.openGlasses(user)
        old.1.textReceived(#"{"type":"head_position","position":"up"}"#)
        old.1.binaryReceived(ByteBuffer(bytes: [1, 2, 3, 4]))
        old.1.textReceived(#"{"type":"stop_app","packageName":"com.example.notes"}"#)
        #expect(app.0.events.isEmpty)
        #expect(old.0.takeEvents() == [])
    }

    @Test("a glasses identity without a user is closed with 1011")
    func glassesWithoutUser() {
        let harness = CoreHarness()
        let connection = TestConnection(ConnectionIdentity(endpoint: .glasses, userId: nil, stack: .native, remoteAddress: "x"))
        let handle = harness.core.connectionOpened(connection)
        #expect(connection.events == [.close(code: 1011, reason: "Missing user")])
        #expect(harness.core.sessionCount == 0)
        handle.connectionClosed(code: 1011, reason: nil)
        #expect(harness.core.liveConnectionCount == 0)
    }

    @Test("connection counts by stack and endpoint, and the per-user listing")
    func connectionListing() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses("erin@example.com", stack: .native)
        harness.startAndConnect("com.example.notes", userId: "erin@example.com", glasses: glasses)
        let counts = harness.core.connectionCounts()
        #expect(counts[ConnectionCountKey(stack: .native, endpoint: .glasses)] == 1)
        #expect(counts[ConnectionCountKey(stack: .compat, endpoint: .app)] == 1)
        let listing = harness.core.connections(ofUser: "erin@example.com")
        #expect(listing.map(\.endpoint) == [.glasses, .app])
        #expect(listing.map(\.packageName) == [nil, "com.example.notes"])
        #expect(listing.first?.openedAt.iso8601 == CoreHarness.t0)
    }
    @Test("shutdown forgets every session and cancels session timers; later frames change nothing")
    func shutdown() {
        let harness = CoreHarness()
        let user = "frank@example.com"
        let glasses = harness.openGlasses(user)
        let app = harness.startAndConnect("com.example.notes", userId: user, glasses: glasses, subscriptions: ["*"])
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.maps"}"#)
        #expect(harness.scheduler.pendingCount == 1)
        harness.core.shutdown()
        #expect(harness.core.sessionCount == 0)
        #expect(harness.scheduler.pendingCount == 0)
        glasses.1.textReceived(#"{"type":"start_app","packageName":"com.example.translate"}"#)
        glasses.1.textReceived(#"{"type":"button_press"}"#)
        #expect(app.0.events.isEmpty)
        #expect(harness.scheduler.pendingCount == 0)
        glasses.1.connectionClosed(code: 1001, reason: "Server shutting down")
        app.1.connectionClosed(code: 1001, reason: "Server shutting down")
        #expect(harness.scheduler.pendingCount == 0)
        #expect(harness.core.liveConnectionCount == 0)
    }
}
