import Testing
import TurnoutCore
import TurnoutTestSupport

@Suite("Heartbeat: pings, pongs and the ping timeout")
struct HeartbeatTests {
    static let user = "alice@example.com"

    static func harness() -> CoreHarness {
        CoreHarness(configuration: CoreConfiguration(heartbeat: .standard))
    }

    @Test("a ping every 10 s while pongs arrive; nothing closes")
    func pingsWithPongs() {
        let harness = Self.harness()
        let glasses = harness.openGlasses(Self.user)
        _ = glasses.0.takeEvents()
        for _ in 0..<10 {
            harness.scheduler.advance(by: .seconds(10))
            #expect(glasses.0.takeEvents() == [.ping])
            glasses.1.pongReceived()
        }
        #expect(!glasses.0.isClosed)
    }

    @Test("no pong 30 s after a ping closes with 1001 Ping timeout - no pong received, and the glasses grace starts")
    func timeout() {
        let harness = Self.harness()
        let glasses = harness.openGlasses(Self.user)
        _ = glasses.0.takeEvents()
        harness.scheduler.advance(by: .seconds(10))
        #expect(glasses.0.takeEvents() == [.ping])
        harness.scheduler.advance(by: .seconds(29))
        #expect(glasses.0.takeEvents() == [.ping, .ping])
        harness.scheduler.advance(by: .seconds(1))
        #expect(glasses.0.takeEvents() == [.close(code: 1001, reason: "Ping timeout - no pong received")])
        #expect(harness.core.snapshot(ofUser: Self.user)?.lifecycle == .grace)
        // The stack's later report changes nothing; no more pings.
        glasses.1.connectionClosed(code: 1001, reason: "Ping timeout - no pong received")
        harness.scheduler.advance(by: .seconds(59))
        #expect(glasses.0.events.isEmpty)
        #expect(harness.core.sessionCount == 1)
        harness.scheduler.advance(by: .seconds(1))
        #expect(harness.core.sessionCount == 0)
        #expect(harness.scheduler.pendingCount == 0)
    }

    @Test("a late pong restarts the count from the next ping")
    func latePong() {
        let harness = Self.harness()
        let glasses = harness.openGlasses(Self.user)
        _ = glasses.0.takeEvents()
        harness.scheduler.advance(by: .seconds(35))  // pings at 10, 20, 30; deadline at 40
        glasses.1.pongReceived()
        harness.scheduler.advance(by: .seconds(34))  // pings at 40, 50, 60; new deadline at 70
        #expect(!glasses.0.isClosed)
        harness.scheduler.advance(by: .seconds(1))
        #expect(glasses.0.events.last == .close(code: 1001, reason: "Ping timeout - no pong received"))
    }

    @Test("an app whose pong never comes is closed 1001 and counts as dropped")
    func appTimeout() {
        let harness = Self.harness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        // Keep the glasses alive, let the app time out.
        for _ in 0..<4 {
            harness.scheduler.advance(by: .seconds(10))
            glasses.1.pongReceived()
        }
        #expect(app.0.events.last == .close(code: 1001, reason: "Ping timeout - no pong received"))
        #expect(harness.core.snapshot(ofUser: Self.user)?.apps.map(\.phase) == [.reconnecting])
        harness.scheduler.advance(by: .seconds(5))
        #expect(harness.webhooks.takeAttempts().map(\.kind) == [.sessionRequest])
    }

    @Test("closing a connection stops its heartbeat timers")
    func noTimerLeak() {
        let harness = Self.harness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.openLegacyApp()
        #expect(harness.scheduler.pendingCount == 2)
        app.1.connectionClosed(code: 1000, reason: nil)
        glasses.1.connectionClosed(code: 1000, reason: nil)
        #expect(harness.scheduler.pendingCount == 1)  // the glasses grace
        harness.scheduler.advance(by: .seconds(60))
        #expect(harness.scheduler.pendingCount == 0)
        #expect(harness.core.liveConnectionCount == 0)
    }
}
