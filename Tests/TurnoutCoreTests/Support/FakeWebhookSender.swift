import NIOConcurrencyHelpers
import NIOCore
import TurnoutCore

/// A ``WebhookSender`` that records requests and answers from a script, synchronously.
final class FakeWebhookSender: WebhookSender {
    /// A recorded attempt.
    struct Attempt: Equatable {
        var kind: WebhookRequest.Kind
        var url: String
        var body: String
    }

    private struct State {
        var attempts: [Attempt] = []
        var script: [Result<Void, WebhookError>] = []
    }

    private let state = NIOLockedValueBox(State())

    /// Makes the next attempts answer these results in order; afterwards attempts succeed.
    func script(_ results: [Result<Void, WebhookError>]) {
        self.state.withLockedValue { $0.script = results }
    }

    func send(_ request: WebhookRequest, timeout: Duration, completion: @escaping @Sendable (Result<Void, WebhookError>) -> Void) {
        let result = self.state.withLockedValue { state -> Result<Void, WebhookError> in
            state.attempts.append(Attempt(kind: request.kind, url: request.url, body: String(buffer: request.body)))
            return state.script.isEmpty ? .success(()) : state.script.removeFirst()
        }
        completion(result)
    }

    /// Every attempt so far.
    var attempts: [Attempt] {
        self.state.withLockedValue { $0.attempts }
    }

    /// The attempts so far, forgetting them.
    func takeAttempts() -> [Attempt] {
        self.state.withLockedValue { state in
            defer { state.attempts.removeAll() }
            return state.attempts
        }
    }
}
