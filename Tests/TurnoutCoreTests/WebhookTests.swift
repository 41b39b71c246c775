import AsyncHTTPClient
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing
import TurnoutCore

@Suite("Webhooks: dispatcher retries, and real HTTP against a loopback server", .timeLimit(.minutes(1)))
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

    // MARK: - Dispatcher on a manual clock

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

    @Test("start_app through the whole core reaches the real server with the exact session_request")
    func endToEndStart() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = HTTPClient(eventLoopGroup: group, configuration: HTTPWebhookSender.recommendedClientConfiguration)
        let server = try await LoopbackHTTPServer.start(on: group)
        let recorder = RecordingSender(inner: HTTPWebhookSender(client: client))
        let core = SessionRegistry(
            configuration: CoreConfiguration(heartbeat: .disabled, appWebSocketURL: "ws://127.0.0.1:8002/app-ws"),
            apps: AppRegistryStore(
                AppRegistry([
                    AppRegistry.App(
                        packageName: "com.example.notes",
                        name: "Notes",
                        publicUrl: server.baseURL,
                        apiKeySha256: APIKeyDigest(hashing: "notes-dev-key")
                    )
                ])
            ),
            webhookSender: recorder,
            scheduler: ManualScheduler(),
            clock: .fixed(CoreHarness.startTime),
            logger: Self.logger
        )
        let glasses = TestConnection(.glasses(userId: "u@example.com", stack: .native, remoteAddress: "r"))
        let handle = core.connectionOpened(glasses)
        await withCheckedContinuation { continuation in
            recorder.onComplete { continuation.resume() }
            handle.textReceived(#"{"type":"start_app","packageName":"com.example.notes"}"#)
        }
        #expect(
            server.requests.map(\.body) == [
                #"{"type":"session_request","sessionId":"u@example.com-com.example.notes","userId":"u@example.com","timestamp":"2026-11-28T06:00:00.000Z","augmentOSWebsocketUrl":"ws://127.0.0.1:8002/app-ws?userId=u%40example.com","mentraOSWebsocketUrl":"ws://127.0.0.1:8002/app-ws?userId=u%40example.com"}"#
            ]
        )
        core.shutdown()
        try await server.close()
        try await client.shutdown()
        try await group.shutdownGracefully()
    }
}

/// Holds a dispatcher outcome delivered synchronously.
private final class OutcomeBox: Sendable {
    private let box = Mutex<WebhookDispatcher.Outcome?>(nil)
    var value: WebhookDispatcher.Outcome? { self.box.withLock { $0 } }
    func set(_ outcome: WebhookDispatcher.Outcome) { self.box.withLock { $0 = outcome } }
}

/// Wraps a sender and calls back when an attempt completes.
private final class RecordingSender: WebhookSender {
    private let inner: any WebhookSender
    private let callback = Mutex<(@Sendable () -> Void)?>(nil)

    init(inner: any WebhookSender) {
        self.inner = inner
    }

    func onComplete(_ callback: @escaping @Sendable () -> Void) {
        self.callback.withLock { $0 = callback }
    }

    func send(_ request: WebhookRequest, timeout: Duration, completion: @escaping @Sendable (Result<Void, WebhookError>) -> Void) {
        self.inner.send(request, timeout: timeout) { result in
            completion(result)
            let callback = self.callback.withLock { $0 }
            callback?()
        }
    }
}
