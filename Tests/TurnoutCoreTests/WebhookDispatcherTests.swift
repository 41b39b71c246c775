import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing
import TurnoutTestSupport

@testable import TurnoutCore

@Suite("Webhook dispatcher: retries on the core's scheduler")
struct WebhookDispatcherTests {
    static func request(url: String) -> WebhookRequest {
        WebhookRequest(
            kind: .sessionRequest,
            url: url,
            body: ByteBuffer(string: #"{"type":"session_request","sessionId":"u@example.com-com.example.notes"}"#),
            packageName: "com.example.notes",
            userId: "u@example.com"
        )
    }

    static var logger: Logger {
        var logger = Logger(label: "webhook-tests")
        logger.logLevel = .critical
        return logger
    }

    @Test("a failed attempt is retried once, 1 s later, on the core's scheduler")
    func retryOnManualClock() {
        let scheduler = ManualScheduler()
        let sender = FakeWebhookSender()
        sender.script([.failure(.badStatus(500))])
        let dispatcher = WebhookDispatcher(sender: sender, scheduler: scheduler, policy: WebhookPolicy(), logger: Self.logger)
        let outcome = OutcomeBox()
        dispatcher.deliver(Self.request(url: "http://x/webhook")) { outcome.set($0) }
        #expect(sender.attempts.count == 1)
        #expect(outcome.value == nil)
        scheduler.advance(by: .milliseconds(999))
        #expect(sender.attempts.count == 1)
        scheduler.advance(by: .milliseconds(1))
        #expect(sender.attempts.count == 2)
        #expect(outcome.value == .delivered(attempts: 2))
    }

    @Test("two failures end the delivery with the last error")
    func twoFailures() {
        let scheduler = ManualScheduler()
        let sender = FakeWebhookSender()
        sender.script([.failure(.timeout), .failure(.connectionFailed("refused"))])
        let dispatcher = WebhookDispatcher(sender: sender, scheduler: scheduler, policy: WebhookPolicy(), logger: Self.logger)
        let outcome = OutcomeBox()
        dispatcher.deliver(Self.request(url: "http://x/webhook")) { outcome.set($0) }
        scheduler.advance(by: .seconds(5))
        #expect(sender.attempts.count == 2)
        #expect(outcome.value == .failed(.connectionFailed(""), attempts: 2))
        #expect(scheduler.pendingCount == 0)
    }
}

private final class OutcomeBox: Sendable {
    private let box = NIOLockedValueBox<WebhookDispatcher.Outcome?>(nil)
    var value: WebhookDispatcher.Outcome? { self.box.withLockedValue { $0 } }
    func set(_ outcome: WebhookDispatcher.Outcome) { self.box.withLockedValue { $0 = outcome } }
}

/// Wraps a sender and calls back when an attempt completes.
