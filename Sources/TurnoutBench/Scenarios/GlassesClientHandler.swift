import NIOCore
import NIOWebSocket

/// The glasses socket of one ``UserDriver``: counts `app_state_change`, answers pings and
/// reports closes. Sending is the driver's job.
final class GlassesClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Fired into the pipeline once connected: send `start_app` for every app.
    struct StartApps: Sendable {}

    private let driver: UserDriver
    private let writer = FrameWriter()

    init(driver: UserDriver) {
        self.driver = driver
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.driver.glassesOpened(context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is StartApps else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.driver.startApps()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let view = frame.data.readableBytesView
            if view.starts(with: Self.appStateChange) {
                self.driver.appStateChanges += 1
                self.driver.moveMayHaveEnded()
            } else if view.starts(with: Self.connectionAck) {
                self.driver.glassesAcked(context)
            }
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(self.writer.pong(frame)), promise: nil)
        case .connectionClose:
            // The driver first: answering may close the channel at once, and its inactivity
            // must not read as a drop without a close frame.
            self.driver.closeFrame(.glasses, context: context, frame: frame)
            let channel = context.channel
            context.writeAndFlush(Self.wrapOutboundOut(self.writer.closeReply(frame))).whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.driver.socketInactive(.glasses, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.driver.socketFailed(.glasses, context: context)
        context.close(promise: nil)
    }

    private static let appStateChange = Array(#"{"type":"app_state_change""#.utf8)
    private static let connectionAck = Array(#"{"type":"connection_ack""#.utf8)
}

@available(*, unavailable)
extension GlassesClientHandler: Sendable {}
