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
        if case .head = unwrapInboundIn(data), !upgraded {
            unanswered += 1
            context.triggerUserOutboundEvent(HTTPExchangeEvent.headReceived, promise: nil)
        }
        context.fireChannelRead(data)
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
