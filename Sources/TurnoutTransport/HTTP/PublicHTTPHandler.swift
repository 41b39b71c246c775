import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Answers everything on the public port that does not become a WebSocket: `GET /health`
/// (liveness), `GET /health/ready` (readiness), refused upgrades, malformed handshakes and
/// unknown paths.
///
/// NIO's upgrade handler passes a request on to this handler when it does not upgrade it: the
/// router refused it (the refusal waits in the shared slot), the handshake was malformed (no
/// refusal was recorded), or it came after another request on a keep-alive connection (NIO only
/// upgrades a connection's first request).
final class PublicHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let slot: NIOLoopBoundBox<UpgradeOutcome?>
    private let router: UpgradeRouter
    private let health: @Sendable () -> String
    private let readiness: Readiness
    private var head: HTTPRequestHead?
    private var requests = 0

    init(slot: NIOLoopBoundBox<UpgradeOutcome?>, router: UpgradeRouter, health: @escaping @Sendable () -> String, readiness: Readiness) {
        self.slot = slot
        self.router = router
        self.health = health
        self.readiness = readiness
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            requests += 1
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head).write(to: context, version: head.version, keepAlive: head.isKeepAlive, wrap: wrapOutboundOut)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case is NIOWebSocketUpgradeError:
            // The upgrader refused a malformed handshake; the request follows and gets its 400.
            break
        case is HTTPParserError:
            // NIO's HTTPServerProtocolErrorHandler has answered 400 and closes the connection.
            context.close(promise: nil)
        default:
            context.close(promise: nil)
        }
    }

    private func respond(to head: HTTPRequestHead) -> HTTPResponse {
        let request = UpgradeRequest(head: head)
        let now = router.now
        let isUpgrade = request.asksForUpgrade || head.headers.contains(name: "Sec-WebSocket-Key")
        if isUpgrade {
            if case .refuse(let refusal) = slot.value {
                slot.value = nil
                return refusal.response
            }
            guard router.isEndpoint(request.path) else {
                return UpgradeRefusal.notFound(path: request.path, at: now).response
            }
            if requests > 1 {
                return UpgradeRefusal.badHandshake("a WebSocket upgrade must be the first request on its connection", at: now).response
            }
            return UpgradeRefusal.badHandshake(Self.handshakeProblem(head.headers), at: now).response
        }
        if head.method == .GET && request.path == "/health" {
            return .json(.ok, health())
        }
        if head.method == .GET && request.path == "/health/ready" {
            return readiness.response
        }
        if router.isEndpoint(request.path) {
            return UpgradeRefusal.badHandshake("\(request.path) only accepts WebSocket upgrades", at: now).response
        }
        return UpgradeRefusal.notFound(path: request.path, at: now).response
    }

    private static func handshakeProblem(_ headers: HTTPHeaders) -> String {
        if !headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" }) {
            return "missing 'Upgrade: websocket' header"
        }
        if !headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "upgrade" }) {
            return "missing 'Connection: Upgrade' header"
        }
        guard let key = headers.first(name: "Sec-WebSocket-Key"), !key.isEmpty else {
            return "missing Sec-WebSocket-Key header"
        }
        let version = headers.first(name: "Sec-WebSocket-Version") ?? ""
        if version != "13" {
            return "unsupported Sec-WebSocket-Version '\(version)'; only 13 is supported"
        }
        return "malformed WebSocket handshake"
    }
}

@available(*, unavailable)
extension PublicHTTPHandler: Sendable {}
