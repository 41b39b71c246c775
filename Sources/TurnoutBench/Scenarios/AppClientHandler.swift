import NIOCore
import NIOWebSocket

/// One app socket of a ``UserDriver``: inits, subscribes once acked, and hands every delivery
/// (a `data_stream` or an audio frame) to the driver for latency and sequence checks.
final class AppClientHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// Fired into the pipeline once connected: send `tpa_connection_init`.
    struct Init: Sendable {}

    private let driver: UserDriver
    private let index: Int
    private let writer = FrameWriter()

    init(driver: UserDriver, index: Int) {
        self.driver = driver
        self.index = index
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is Init else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        self.driver.appConnected(self.index, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        if frame.opcode == .text || frame.opcode == .binary { self.driver.appFrameReceived() }
        switch frame.opcode {
        case .text:
            let view = frame.data.readableBytesView
            if view.starts(with: Self.dataStream) {
                guard let marker = frame.data.readBenchMarker() else {
                    self.driver.error()
                    return
                }
                self.driver.appReceivedJSON(self.index, sequence: marker.sequence, sentAt: marker.sentAt)
            } else if view.starts(with: Self.ack) {
                self.driver.appAcked(self.index)
                self.driver.moveMayHaveEnded()
            } else if view.starts(with: Self.connectionError) {
                self.driver.error()
            } else if view.starts(with: Self.appStopped) {
                self.driver.appStopped(self.index)
            }
        case .binary:
            var data = frame.data
            guard let sequence = data.readInteger(endianness: .little, as: UInt64.self),
                let sentAt = data.readInteger(endianness: .little, as: UInt64.self)
            else {
                self.driver.error()
                return
            }
            self.driver.appReceivedAudio(self.index, sequence: sequence, sentAt: sentAt, bytes: frame.data.readableBytes)
        case .ping:
            context.writeAndFlush(Self.wrapOutboundOut(self.writer.pong(frame)), promise: nil)
        case .connectionClose:
            // The driver first: answering may close the channel at once, and its inactivity
            // must not read as a drop without a close frame.
            self.driver.closeFrame(.app(self.index), context: context, frame: frame)
            let channel = context.channel
            context.writeAndFlush(Self.wrapOutboundOut(self.writer.closeReply(frame))).whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.driver.socketInactive(.app(self.index), context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.driver.socketFailed(.app(self.index), context: context)
        context.close(promise: nil)
    }

    private static let dataStream = Array(#"{"type":"data_stream""#.utf8)
    private static let ack = Array(#"{"type":"tpa_connection_ack""#.utf8)
    private static let connectionError = Array(#"{"type":"tpa_connection_error""#.utf8)
    private static let appStopped = Array(#"{"type":"app_stopped""#.utf8)
}

@available(*, unavailable)
extension AppClientHandler: Sendable {}
