import ServiceLifecycle
import Testing
import TurnoutCore
import TurnoutFlags
import TurnoutTestSupport

@Suite("Readiness: /health/ready turns 503 a ready grace before the 1001 closes", .timeLimit(.minutes(1)))
struct ReadinessTests {
    @Test(
        "ready while serving; at shutdown 503 first, sockets open and upgrades accepted through the grace; the 1001s only after it",
        arguments: [Stack.compat, .native]
    )
    func drainsInOrder(stack: Stack) async throws {
        let clock = RecordingScheduler()
        try await withTestServer(flags: TestServer.flags(allOn: stack), readyGrace: .seconds(3), readyGraceScheduler: clock) { server in
            let ready = try await server.publicGET("/health/ready")
            #expect(ready.status == 200)
            #expect(ready.body == #"{"status":"ready"}"#)
            let leaving = try await server.connectGlasses("leaving@example.com")
            try await leaving.expectText(type: "connection_ack")

            await server.serviceGroup.triggerGracefulShutdown()
            // The grace's timer is scheduled only after readiness turned: from here on it is 503.
            #expect(await clock.scheduled.next() == .seconds(3))
            let draining = try await server.publicGET("/health/ready")
            #expect(draining.status == 503)
            #expect(draining.body == #"{"status":"draining"}"#)
            #expect(try await server.publicGET("/health").status == 200, "/health stays liveness")

            // Within the grace the port still accepts a user the balancer sent before it saw the 503.
            let late = try await server.connectGlasses("late@example.com")
            try await late.expectText(type: "connection_ack")
            #expect(leaving.received.count == 1, "nothing but the ack before the grace passed: \(leaving.received)")

            clock.manual.advance(by: .seconds(3))
            #expect(await leaving.next() == .close(1001, "Server shutting down"))
            #expect(await late.next() == .close(1001, "Server shutting down"))
        }
    }

    @Test("a ready grace of zero closes at once after turning 503")
    func zeroGrace() async throws {
        let clock = RecordingScheduler()
        try await withTestServer(flags: TestServer.flags(allOn: .native), readyGrace: .zero, readyGraceScheduler: clock) { server in
            let glasses = try await server.connectGlasses("now@example.com")
            try await glasses.expectText(type: "connection_ack")
            await server.serviceGroup.triggerGracefulShutdown()
            #expect(await glasses.next() == .close(1001, "Server shutting down"))
            #expect(clock.manual.pendingCount == 0, "no timer for a zero grace")
        }
    }
}

/// A ``ManualScheduler`` that reports each delay scheduled on it, so a test waits on the event.
final class RecordingScheduler: CoreScheduler {
    let manual = ManualScheduler()
    let scheduled = EventQueue<Duration>()

    func schedule(after delay: Duration, _ work: @escaping @Sendable () -> Void) -> any ScheduledWork {
        let timer = self.manual.schedule(after: delay, work)
        self.scheduled.yield(delay)
        return timer
    }
}
