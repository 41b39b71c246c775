import NIOCore
import NIOWebSocket

/// One socket of a ``BroadcastDriver`` on `/fanout-ws` (a subscriber, or the publisher): hands
/// every text message to the driver, answers pings and reports closes. Sending is the driver's job.
final class BroadcastClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let driver: BroadcastDriver
    private let index: Int
    private let writer = FrameWriter()

    /// - Parameter index: The socket: subscribers `0..<K`, the publisher `K`.
    init(driver: BroadcastDriver, index: Int) {
        self.driver = driver
        self.index = index
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.driver.connected(self.index, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            self.driver.received(self.index, text: frame.data)
        case .binary:
            self.driver.error(self.index)
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(self.writer.pong(frame)), promise: nil)
        case .connectionClose:
            self.driver.socketClosed(self.index)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.driver.socketClosed(self.index)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.driver.error(self.index)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension BroadcastClientHandler: Sendable {}
