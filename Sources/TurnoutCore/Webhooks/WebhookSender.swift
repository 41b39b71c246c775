/// Makes one webhook HTTP attempt; the seam that lets unit tests replace HTTP with a fake.
///
/// Retries are not the sender's job: ``WebhookDispatcher`` retries on the core's scheduler.
package protocol WebhookSender: Sendable {
    /// Posts one request and reports the outcome once.
    ///
    /// - Parameters:
    ///   - request: The request.
    ///   - timeout: The deadline of the whole attempt.
    ///   - completion: Called exactly once, from any thread, with success (a 2xx answer) or the failure.
    ///     It must not be called synchronously while the caller might hold a lock: the core
    ///     never holds one when it calls `send`, so calling it inline is allowed.
    func send(_ request: WebhookRequest, timeout: Duration, completion: @escaping @Sendable (Result<Void, WebhookError>) -> Void)
}
