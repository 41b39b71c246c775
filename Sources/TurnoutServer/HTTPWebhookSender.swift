package import AsyncHTTPClient
import NIOCore
import NIOHTTP1
package import TurnoutCore

/// The production ``WebhookSender``: one POST through a shared AsyncHTTPClient `HTTPClient`.
///
/// The request carries `Content-Type: application/json`; any 2xx answer is success. The client
/// is injected and shared; shutting it down is its owner's job. Build it with
/// ``recommendedClientConfiguration`` so that a refused connection fails the attempt at once
/// instead of being retried inside the client until the timeout.
package struct HTTPWebhookSender: WebhookSender {
    private let client: HTTPClient

    /// Creates a sender on a shared client.
    package init(client: HTTPClient) {
        self.client = client
    }

    /// The client configuration webhooks expect: no connection retries inside the client (the
    /// dispatcher retries, 1 s apart) and no redirects.
    package static var recommendedClientConfiguration: HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        return configuration
    }

    package func send(_ request: WebhookRequest, timeout: Duration, completion: @escaping @Sendable (Result<Void, WebhookError>) -> Void) {
        let httpRequest: HTTPClient.Request
        do {
            httpRequest = try HTTPClient.Request(
                url: request.url,
                method: .POST,
                headers: ["Content-Type": "application/json", "User-Agent": "turnout"],
                body: .byteBuffer(request.body)
            )
        } catch {
            completion(.failure(.invalidURL(request.url)))
            return
        }
        let (seconds, attoseconds) = timeout.components
        let deadline = NIODeadline.now() + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        self.client.execute(request: httpRequest, deadline: deadline).whenComplete { result in
            switch result {
            case .success(let response):
                let status = Int(response.status.code)
                completion((200..<300).contains(status) ? .success(()) : .failure(.badStatus(status)))
            case .failure(let error):
                completion(.failure(Self.classify(error)))
            }
        }
    }

    private static func classify(_ error: any Error) -> WebhookError {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .getConnectionFromPoolTimeout:
                return .timeout
            case .invalidURL, .emptyHost, .emptyScheme:
                return .invalidURL(String(describing: error))
            default:
                return .connectionFailed(String(describing: error))
            }
        }
        return .connectionFailed(String(describing: error))
    }
}
