import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TurnoutTestSupport

/// A tiny HTTP server on 127.0.0.1, port 0, that records requests and answers from a script.
///
/// Each request takes the next scripted behaviour; when the script is empty it answers 200.
final class LoopbackHTTPServer: Sendable {
    /// How to answer one request.
    enum Behaviour: Sendable {
        /// Answer with this status and an empty body.
        case status(Int)
        /// Never answer (until the server closes).
        case hang
    }

    /// A recorded request.
    struct Request: Sendable, Equatable {
        var method: String
        var uri: String
        var contentType: String?
        var body: String
    }

    private struct State {
        var script: [Behaviour] = []
        var requests: [Request] = []
        var observer: (@Sendable (Request) -> Void)?
    }

    private let state = NIOLockedValueBox(State())
    private let channel: any Channel
    private let arrivals = EventQueue<Request>()

    /// The bound port.
    let port: Int

    private init(channel: any Channel) {
        self.channel = channel
        self.port = channel.localAddress?.port ?? 0
    }

    /// Starts a server on the group.
    static func start(on group: any EventLoopGroup, script: [Behaviour] = []) async throws -> LoopbackHTTPServer {
        let box = NIOLockedValueBox<LoopbackHTTPServer?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let server = box.withLockedValue({ $0 }) else { return }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(server: server))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let server = LoopbackHTTPServer(channel: channel)
        server.state.withLockedValue { $0.script = script }
        box.withLockedValue { $0 = server }
        return server
    }

    /// Calls `observer` with each request as it arrives, on the server's event loop, before the
    /// request is answered or handed to ``nextRequest()``: a test can look at what other clients
    /// had received at that moment.
    func observeArrivals(_ observer: @escaping @Sendable (Request) -> Void) {
        self.state.withLockedValue { $0.observer = observer }
    }

    /// The requests received so far.
    var requests: [Request] {
        self.state.withLockedValue { $0.requests }
    }

    /// Waits for the next request to arrive (each request is returned once).
    func nextRequest() async -> Request? {
        await self.arrivals.next()
    }

    /// The base URL, such as `http://127.0.0.1:54321`.
    var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// Stops accepting connections.
    func close() async throws {
        try await self.channel.close()
    }

    fileprivate func record(_ request: Request) -> Behaviour {
        let (behaviour, observer) = self.state.withLockedValue { state in
            state.requests.append(request)
            return (state.script.isEmpty ? Behaviour.status(200) : state.script.removeFirst(), state.observer)
        }
        observer?(request)
        self.arrivals.yield(request)
        return behaviour
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: LoopbackHTTPServer
        var head: HTTPRequestHead?
        var body = ByteBuffer()

        init(server: LoopbackHTTPServer) {
            self.server = server
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch self.unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                self.body.clear()
            case .body(var part):
                self.body.writeBuffer(&part)
            case .end:
                guard let head = self.head else { return }
                let request = Request(
                    method: head.method.rawValue,
                    uri: head.uri,
                    contentType: head.headers.first(name: "content-type"),
                    body: String(buffer: self.body)
                )
                switch self.server.record(request) {
                case .status(let code):
                    var headers = HTTPHeaders()
                    headers.add(name: "content-length", value: "0")
                    let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: code), headers: headers)
                    context.write(self.wrapOutboundOut(.head(responseHead)), promise: nil)
                    context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
                case .hang:
                    break
                }
            }
        }
    }
}
