import NIOCore
import NIOHTTP1

/// Watches requests and responses just behind the HTTP decoder and reports each
/// ``HTTPExchangeEvent`` towards the socket; it changes nothing that passes through.
///
/// Counting heads in and response ends out, it reports ``HTTPExchangeEvent/idle`` only when
/// every request has been answered, so a pipelined request keeps the connection busy.
final class HTTPExchangeObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var unanswered = 0
    private var upgraded = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Once the upgrade is accepted, what passes is no longer HTTP: bytes the client sent right
        // behind its upgrade request, which the removed HTTP decoder forwards as a ByteBuffer on
        // their way to the WebSocket. Unwrapping them as a request part would trap.
        if !upgraded, case .head = unwrapInboundIn(data) {
            unanswered += 1
            context.triggerUserOutboundEvent(HTTPExchangeEvent.headReceived, promise: nil)
        }
        context.fireChannelRead(data)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        // The upgrader says `.upgraded` as soon as the router accepts, before the decoder goes.
        if case .upgraded? = event as? HTTPExchangeEvent { upgraded = true }
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status == .switchingProtocols:
            upgraded = true
            context.write(data, promise: promise)
            context.triggerUserOutboundEvent(HTTPExchangeEvent.upgraded, promise: nil)
        case .end where !upgraded:
            unanswered = max(0, unanswered - 1)
            context.write(data, promise: promise)
            if unanswered == 0 {
                context.triggerUserOutboundEvent(HTTPExchangeEvent.idle, promise: nil)
            }
        default:
            context.write(data, promise: promise)
        }
    }
}

@available(*, unavailable)
extension HTTPExchangeObserver: Sendable {}
