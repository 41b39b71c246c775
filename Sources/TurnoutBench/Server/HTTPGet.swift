import NIOCore
import NIOHTTP1
import NIOPosix

/// A minimal HTTP/1.1 GET for the admin port (`/metrics`, `/admin/route`) and `/health`.
enum HTTPGet {
    /// The status and body of one response.
    struct Response: Sendable {
        var status: Int
        var body: String
    }

    /// GETs `path` from `host:port` on a new connection, giving up after 10 s.
    ///
    /// - Throws: ``BenchError/connect(_:)`` when there is no answer.
    static func fetch(group: any EventLoopGroup, host: String, port: Int, path: String) async throws -> Response {
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        do {
            let channel = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(5))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(ResponseCollector(promise: promise))
                    }
                }
                .connect(host: host, port: port).get()
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: ["Host": "\(host):\(port)", "Connection": "close"])
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            let timeout = loop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
            defer {
                timeout.cancel()
                channel.close(promise: nil)
            }
            return try await promise.futureResult.get()
        } catch {
            promise.fail(error)
            throw BenchError.connect("GET http://\(host):\(port)\(path) failed: \(error)")
        }
    }
}

/// Gathers one response and fulfils the promise at its end (or fails it when the connection
/// closes first).
private final class ResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let promise: EventLoopPromise<HTTPGet.Response>
    private var status = 0
    private var body = ByteBuffer()

    init(promise: EventLoopPromise<HTTPGet.Response>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch Self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
        case .body(var part):
            self.body.writeBuffer(&part)
        case .end:
            self.promise.succeed(.init(status: self.status, body: String(buffer: self.body)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.promise.fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.promise.fail(error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ResponseCollector: Sendable {}
