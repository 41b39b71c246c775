import NIOCore
import NIOHTTP1
import NIOPosix

/// The bench's own app server on loopback: answers every POST `/webhook` with 200 `{}` and hands
/// the body to `onRequest`, which connects the app the `session_request` asks for.
enum WebhookServer {
    /// Binds `127.0.0.1:port` (0 picks a free port).
    ///
    /// - Returns: The listening channel; its `localAddress` has the port.
    /// - Throws: ``BenchError/connect(_:)`` when the port cannot be bound.
    static func start(
        group: any EventLoopGroup,
        port: Int,
        onRequest: @escaping @Sendable (String) -> Void
    ) async throws -> any Channel {
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(WebhookHTTPHandler(onRequest: onRequest))
                    }
                }
                .bind(host: "127.0.0.1", port: port).get()
        } catch {
            throw BenchError.connect("cannot bind the webhook server to 127.0.0.1:\(port): \(error)")
        }
    }
}

/// Collects one request body and answers 200 `{}`, keeping the connection alive.
private final class WebhookHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let onRequest: @Sendable (String) -> Void
    private var body = ByteBuffer()
    private var version = HTTPVersion.http1_1

    init(onRequest: @escaping @Sendable (String) -> Void) {
        self.onRequest = onRequest
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.version = head.version
            self.body.clear()
        case .body(var part):
            self.body.writeBuffer(&part)
        case .end:
            self.onRequest(String(buffer: self.body))
            let head = HTTPResponseHead(version: self.version, status: .ok, headers: ["Content-Type": "application/json", "Content-Length": "2"])
            context.write(Self.wrapOutboundOut(.head(head)), promise: nil)
            context.write(Self.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: "{}")))), promise: nil)
            context.writeAndFlush(Self.wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension WebhookHTTPHandler: Sendable {}
