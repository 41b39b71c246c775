import NIOCore
import NIOHTTP1
import TurnoutTransport

/// Serves the admin port: one synchronous answer per request, from ``AdminRoutes``.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: AdminRoutes
    private var head: HTTPRequestHead?

    init(routes: AdminRoutes) {
        self.routes = routes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            routes.respond(to: head).write(to: context, version: head.version, keepAlive: head.isKeepAlive, wrap: wrapOutboundOut)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension AdminHTTPHandler: Sendable {}
