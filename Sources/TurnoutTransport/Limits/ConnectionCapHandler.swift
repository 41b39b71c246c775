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

    /// What this connection holds against the caps; released when the channel closes.
    ///
    /// Separate from the handler so that the close callback keeps these few bytes alive, not the
    /// handler with its limits and logger: the handler leaves the pipeline at the upgrade, and
    /// 10,000 idle WebSockets each kept ~300 bytes of it (heaptrack, docs/benchmarks.md).
    private final class Lease {
        let limiter: ConnectionLimiter
        var countedTotal = false
        var countedAddress: String?

        init(limiter: ConnectionLimiter) {
            self.limiter = limiter
        }

        func release() {
            if self.countedTotal { self.limiter.releaseConnection() }
            if let countedAddress = self.countedAddress { self.limiter.release(address: countedAddress) }
            self.countedTotal = false
            self.countedAddress = nil
        }
    }

    private let limiter: ConnectionLimiter
    private let limits: PublicPortLimits
    private let now: @Sendable () -> Timestamp
    private let logger: Logger
    private let lease: Lease
    /// The cap the connection is over, for the 503's message; `nil` when within every cap.
    private var overCap: String?
    private var firstRequest = true
    private var refused = false

    init(limiter: ConnectionLimiter, limits: PublicPortLimits, now: @escaping @Sendable () -> Timestamp, logger: Logger) {
        self.limiter = limiter
        self.limits = limits
        self.now = now
        self.logger = logger
        self.lease = Lease(limiter: limiter)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if limiter.admitConnection() {
            lease.countedTotal = true
        } else {
            overCap = "connections"
        }
        if overCap == nil, limits.trustedProxies == 0 {
            let address = ClientAddress.peer(context.channel.remoteAddress)
            if limiter.admit(address: address) {
                lease.countedAddress = address
            } else {
                overCap = "connections from this address"
            }
        }
        let lease = NIOLoopBound(self.lease, eventLoop: context.eventLoop)
        context.channel.closeFuture.whenComplete { _ in lease.value.release() }
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
                lease.countedAddress = address
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
}

@available(*, unavailable)
extension ConnectionCapHandler: Sendable {}
