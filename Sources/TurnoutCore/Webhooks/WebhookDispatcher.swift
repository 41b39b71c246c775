package import Logging
import Metrics

/// Delivers webhooks with the configured timeout and retries, without blocking and without tasks.
///
/// Each delivery makes up to ``WebhookPolicy/attempts`` attempts through the ``WebhookSender``,
/// ``WebhookPolicy/retryDelay`` apart on the core's ``CoreScheduler`` (so tests control the
/// delay). Outcomes are logged and counted in `turnout_webhooks_total{kind,result}`; the core's
/// state never waits for them (the app's init deadline decides whether a start failed).
package final class WebhookDispatcher: Sendable {
    /// The result of a whole delivery.
    package enum Outcome: Sendable, Equatable {
        /// A 2xx answer after this many attempts.
        case delivered(attempts: Int)
        /// Every attempt failed; the error is the last one.
        case failed(WebhookError, attempts: Int)
    }

    private let sender: any WebhookSender
    private let scheduler: any CoreScheduler
    private let policy: WebhookPolicy
    private let logger: Logger

    /// Creates a dispatcher.
    ///
    /// - Parameters:
    ///   - sender: Makes the HTTP attempts.
    ///   - scheduler: Times the retries.
    ///   - policy: Timeout, attempts and retry delay.
    ///   - logger: Where outcomes go.
    package init(sender: any WebhookSender, scheduler: any CoreScheduler, policy: WebhookPolicy, logger: Logger) {
        self.sender = sender
        self.scheduler = scheduler
        self.policy = policy
        self.logger = logger
    }

    /// Starts delivering a webhook; returns at once.
    ///
    /// - Parameters:
    ///   - request: The webhook.
    ///   - completion: Called once with the outcome, from any thread.
    package func deliver(_ request: WebhookRequest, completion: (@Sendable (Outcome) -> Void)? = nil) {
        self.attempt(request, number: 1, completion: completion)
    }

    private func attempt(_ request: WebhookRequest, number: Int, completion: (@Sendable (Outcome) -> Void)?) {
        self.sender.send(request, timeout: self.policy.timeout) { result in
            switch result {
            case .success:
                self.logger.debug(
                    "webhook delivered",
                    metadata: self.metadata(request, attempt: number)
                )
                Counter(label: "turnout_webhooks_total", dimensions: [("kind", request.kind.rawValue), ("result", "delivered")]).increment()
                completion?(.delivered(attempts: number))
            case .failure(let error) where number < self.policy.attempts:
                var metadata = self.metadata(request, attempt: number)
                metadata["error"] = "\(error)"
                self.logger.info("webhook attempt failed, retrying", metadata: metadata)
                _ = self.scheduler.schedule(after: self.policy.retryDelay) {
                    self.attempt(request, number: number + 1, completion: completion)
                }
            case .failure(let error):
                var metadata = self.metadata(request, attempt: number)
                metadata["error"] = "\(error)"
                self.logger.warning("webhook failed", metadata: metadata)
                Counter(label: "turnout_webhooks_total", dimensions: [("kind", request.kind.rawValue), ("result", "failed")]).increment()
                completion?(.failed(error, attempts: number))
            }
        }
    }

    private func metadata(_ request: WebhookRequest, attempt: Int) -> Logger.Metadata {
        [
            "webhook": "\(request.kind.rawValue)",
            "url": "\(request.url)",
            "packageName": "\(request.packageName)",
            "userId": "\(request.userId)",
            "attempt": "\(attempt)",
        ]
    }
}
