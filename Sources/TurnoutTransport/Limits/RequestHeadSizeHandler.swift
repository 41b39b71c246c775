import Metrics
import NIOCore
import TurnoutCore

/// Refuses a request head larger than ``PublicPortLimits/maxRequestHeadBytes`` with a JSON 431,
/// before the HTTP decoder buffers it; first in the public pipeline, it sees raw bytes.
///
/// While a connection waits for a request head it counts the bytes read. A read that would pass
/// the limit is forwarded only if the head ends inside it within the limit (`CRLF CRLF`); a head
/// that completes is reported by ``HTTPExchangeObserver`` and counting stops until every request
/// has been answered (``HTTPExchangeEvent/idle``). Body bytes are therefore not counted, except
/// those that share a read with a head and pass the limit together with it (the public port
/// serves only body-less GETs). The handler is removed when the connection upgrades.
final class RequestHeadSizeHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private enum State {
        /// Waiting for a head; this many of its bytes have been read.
        case counting(Int)
        /// A request is being handled, or the connection upgraded.
        case passing
        /// The 431 is written; everything else read is dropped.
        case refused
    }

    private let limit: Int
    private let now: @Sendable () -> Timestamp
    private var state = State.counting(0)

    /// - Parameters:
    ///   - limit: The largest head in bytes.
    ///   - now: The clock of the refusal's timestamp.
    init(limit: Int, now: @escaping @Sendable () -> Timestamp) {
        self.limit = limit
        self.now = now
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch state {
        case .passing:
            context.fireChannelRead(data)
        case .refused:
            break
        case .counting(let count):
            let buffer = unwrapInboundIn(data)
            if count + buffer.readableBytes <= limit || headEnds(in: buffer, within: limit - count) {
                state = .counting(count + buffer.readableBytes)
                context.fireChannelRead(data)
                return
            }
            state = .refused
            let refusal = UpgradeRefusal.headTooLarge(limit: limit, at: now())
            Counter(label: "turnout_upgrades_total", dimensions: [("result", refusal.reason.rawValue)]).increment()
            context.fireUserInboundEventTriggered(HTTPExchangeEvent.refused)
            refuse(with: refusal.response, context: context)
        }
    }

    /// Writes the refusal and closes the output only: the client may still be sending the rest
    /// of its head, and closing with unread bytes would reset the connection, destroying the
    /// response before the client reads it. The rest is read and dropped until the client closes,
    /// or for at most ``lingerTime``.
    private func refuse(with response: HTTPResponse, context: ChannelHandlerContext) {
        let bytes = response.bytes(allocator: context.channel.allocator)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(bytes)).assumeIsolated().whenComplete { _ in
            loopBound.value.close(mode: .output, promise: nil)
        }
        context.eventLoop.scheduleTask(in: Self.lingerTime) {
            loopBound.value.close(promise: nil)
        }
    }

    /// How long a refused connection is read after its answer before it is closed: 2 s.
    static let lingerTime = TimeAmount.seconds(2)

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event as? HTTPExchangeEvent {
        case .headReceived, .upgraded:
            if case .counting = state { state = .passing }
        case .idle:
            if case .passing = state { state = .counting(0) }
        case .refused, nil:
            break
        }
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    /// Whether `CRLF CRLF` ends within the first `budget` bytes of `buffer`.
    private func headEnds(in buffer: ByteBuffer, within budget: Int) -> Bool {
        guard budget > 0, let end = buffer.readableBytesView.firstRange(of: [13, 10, 13, 10]) else { return false }
        return end.upperBound - buffer.readableBytesView.startIndex <= budget
    }
}

@available(*, unavailable)
extension RequestHeadSizeHandler: Sendable {}
