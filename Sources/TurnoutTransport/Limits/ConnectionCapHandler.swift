import Logging
import Metrics
import NIOCore
import NIOHTTP1
import TurnoutCore

/// Enforces the connection caps: answers a JSON 503 with `Retry-After` to the first request of a
/// connection over ``PublicPortLimits/maxConnections`` or
/// ``PublicPortLimits/maxConnectionsPerAddress``, before the upgrade handler sees it.
///
/// The connection is counted when the handler is added (at accept) and released when the
/// channel closes, whatever handlers it has by then, so an upgraded WebSocket stays counted.
/// The address is the socket's peer, counted at accept; behind trusted proxies it is learnt from
/// the first request's `X-Forwarded-For` (``ClientAddress``) and counted then.
final class ConnectionCapHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let limiter: ConnectionLimiter
    private let limits: PublicPortLimits
    private let now: @Sendable () -> Timestamp
    private let logger: Logger
    private var countedTotal = false
    private var countedAddress: String?
    /// The cap the connection is over, for the 503's message; `nil` when within every cap.
    private var overCap: String?
    private var firstRequest = true
    private var refused = false

    init(limiter: ConnectionLimiter, limits: PublicPortLimits, now: @escaping @Sendable () -> Timestamp, logger: Logger) {
        self.limiter = limiter
        self.limits = limits
        self.now = now
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if limiter.admitConnection() {
            countedTotal = true
        } else {
            overCap = "connections"
        }
        if overCap == nil, limits.trustedProxies == 0 {
            let address = ClientAddress.peer(context.channel.remoteAddress)
            if limiter.admit(address: address) {
                countedAddress = address
            } else {
                overCap = "connections from this address"
            }
        }
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.channel.closeFuture.whenComplete { _ in handler.value.release() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if refused { return }
        // `firstRequest` first: after an upgrade the removed HTTP decoder forwards the bytes that
        // followed the request as a ByteBuffer, which must pass through without being unwrapped.
        guard firstRequest, case .head(let head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        firstRequest = false
        if overCap == nil, limits.trustedProxies > 0 {
            let address = ClientAddress.resolve(peer: context.channel.remoteAddress, headers: head.headers, trustedProxies: limits.trustedProxies)
            if limiter.admit(address: address) {
                countedAddress = address
            } else {
                overCap = "connections from this address"
            }
        }
        guard let overCap else {
            context.fireChannelRead(data)
            return
        }
        refused = true
        let refusal = UpgradeRefusal.overCapacity(overCap, retryAfterSeconds: limits.retryAfterSeconds, at: now())
        Counter(label: "turnout_upgrades_total", dimensions: [("result", refusal.reason.rawValue)]).increment()
        logger.debug("connection over capacity", metadata: ["cap": "\(overCap)", "path": "\(UpgradeRequest(head: head).path)"])
        refusal.response.write(to: context, version: head.version, keepAlive: false, wrap: wrapOutboundOut)
    }

    private func release() {
        if countedTotal { limiter.releaseConnection() }
        if let countedAddress { limiter.release(address: countedAddress) }
        countedTotal = false
        countedAddress = nil
    }
}

@available(*, unavailable)
extension ConnectionCapHandler: Sendable {}
