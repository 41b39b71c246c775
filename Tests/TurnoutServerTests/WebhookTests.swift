import AsyncHTTPClient
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TurnoutCore
import TurnoutServer

@Suite("Webhooks: real HTTP against a loopback server", .timeLimit(.minutes(1)))
struct WebhookTests {
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

    // MARK: - Real HTTP

    /// Runs `body` with an HTTP client and a dispatcher on a real event loop, with short timings.
    static func withDispatcher(
        timeout: Duration = .seconds(5),
        _ body: (WebhookDispatcher, any EventLoopGroup) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = HTTPClient(eventLoopGroup: group, configuration: HTTPWebhookSender.recommendedClientConfiguration)
        let dispatcher = WebhookDispatcher(
            sender: HTTPWebhookSender(client: client),
            scheduler: EventLoopScheduler(group: group),
            policy: WebhookPolicy(timeout: timeout, attempts: 2, retryDelay: .milliseconds(20)),
            logger: Self.logger
        )
        do {
            try await body(dispatcher, group)
        } catch {
            try? await client.shutdown()
            try? await group.shutdownGracefully()
            throw error
        }
        try await client.shutdown()
        try await group.shutdownGracefully()
    }

    static func deliver(_ dispatcher: WebhookDispatcher, _ request: WebhookRequest) async -> WebhookDispatcher.Outcome {
        await withCheckedContinuation { continuation in
            dispatcher.deliver(request) { continuation.resume(returning: $0) }
        }
    }

    @Test("success: one POST with the JSON body and Content-Type application/json")
    func success() async throws {
        try await Self.withDispatcher { dispatcher, group in
            let server = try await LoopbackHTTPServer.start(on: group)
            let outcome = await Self.deliver(dispatcher, Self.request(url: server.baseURL + "/webhook"))
            #expect(outcome == .delivered(attempts: 1))
            #expect(
                server.requests == [
                    .init(
                        method: "POST",
                        uri: "/webhook",
                        contentType: "application/json",
                        body: #"{"type":"session_request","sessionId":"u@example.com-com.example.notes"}"#
                    )
                ]
            )
            try await server.close()
        }
    }

    @Test("a 500 is retried and the second attempt succeeds")
    func retryAfter500() async throws {
        try await Self.withDispatcher { dispatcher, group in
            let server = try await LoopbackHTTPServer.start(on: group, script: [.status(500)])
            let outcome = await Self.deliver(dispatcher, Self.request(url: server.baseURL + "/webhook"))
            #expect(outcome == .delivered(attempts: 2))
            #expect(server.requests.count == 2)
            try await server.close()
        }
    }

    @Test("an app that never answers times out on both attempts")
    func timeout() async throws {
        try await Self.withDispatcher(timeout: .milliseconds(200)) { dispatcher, group in
            let server = try await LoopbackHTTPServer.start(on: group, script: [.hang, .hang])
            let outcome = await Self.deliver(dispatcher, Self.request(url: server.baseURL + "/webhook"))
            #expect(outcome == .failed(.timeout, attempts: 2))
            #expect(server.requests.count == 2)
            try await server.close()
        }
    }

    @Test("a refused connection fails both attempts quickly")
    func refused() async throws {
        try await Self.withDispatcher { dispatcher, group in
            let server = try await LoopbackHTTPServer.start(on: group)
            let url = server.baseURL + "/webhook"
            try await server.close()
            let outcome = await Self.deliver(dispatcher, Self.request(url: url))
            #expect(outcome == .failed(.connectionFailed(""), attempts: 2))
        }
    }

    @Test("an invalid URL fails without a connection")
    func invalidURL() async throws {
        try await Self.withDispatcher { dispatcher, _ in
            let outcome = await Self.deliver(dispatcher, Self.request(url: "not a url"))
            #expect(outcome == .failed(.invalidURL(""), attempts: 2))
        }
    }
}
