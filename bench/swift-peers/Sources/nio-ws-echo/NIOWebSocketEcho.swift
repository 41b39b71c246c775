// A plain SwiftNIO WebSocket echo, the peer "what a new NIO user would write": the shape of NIO's own
// NIOWebSocketServer example (NIOWebSocketServerUpgrader, configureHTTPServerPipeline(withServerUpgrade:),
// one handler of WebSocketFrames), on one event loop. Deliberately not optimised beyond that example.

import ArgumentParser
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import PeerOptions

/// Every open WebSocket channel, for fan-out. Touched only on the group's one event loop (NIOLoopBound).
final class Room {
    var members: [ObjectIdentifier: any Channel] = [:]
}

/// Answers a plain GET (the readiness probe) with 200; removed from the pipeline when a request upgrades.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let body = ByteBuffer(string: "nio-ws-echo\n")

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head = self.unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain")
        headers.add(name: "Content-Length", value: String(Self.body.readableBytes))
        headers.add(name: "Connection", value: "close")
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.write(self.wrapOutboundOut(.body(.byteBuffer(Self.body))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}

/// The one WebSocket handler: echoes text and binary (or fans them out), answers ping with pong and close
/// with close, as the example's WebSocketTimeHandler does.
final class WebSocketEchoHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let room: NIOLoopBound<Room>?
    private var awaitingClose = false

    init(room: NIOLoopBound<Room>?) {
        self.room = room
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.room?.value.members[ObjectIdentifier(context.channel)] = context.channel
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.room?.value.members[ObjectIdentifier(context.channel)] = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        switch frame.opcode {
        case .connectionClose:
            self.receivedClose(context: context, frame: frame)
        case .ping:
            self.pong(context: context, frame: frame)
        case .text, .binary:
            let reply = WebSocketFrame(fin: true, opcode: frame.opcode, data: frame.unmaskedData)
            if let room = self.room {
                for member in room.value.members.values {
                    member.writeAndFlush(reply, promise: nil)
                }
            } else {
                context.write(self.wrapOutboundOut(reply), promise: nil)
            }
        case .continuation, .pong:
            // We ignore these frames.
            break
        default:
            // Unknown frames are errors.
            self.closeOnError(context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    private func receivedClose(context: ChannelHandlerContext, frame: WebSocketFrame) {
        // Send back the peer's close code (if it sent one), then close once it is written.
        if self.awaitingClose {
            context.close(promise: nil)
            return
        }
        var data = frame.unmaskedData
        let closeDataCode = data.readSlice(length: 2) ?? ByteBuffer()
        let closeFrame = WebSocketFrame(fin: true, opcode: .connectionClose, data: closeDataCode)
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(closeFrame)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }

    private func pong(context: ChannelHandlerContext, frame: WebSocketFrame) {
        let responseFrame = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
        context.write(self.wrapOutboundOut(responseFrame), promise: nil)
    }

    private func closeOnError(context: ChannelHandlerContext) {
        // Send a protocol-error close frame, then shut the write side.
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .protocolError)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(frame)).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
        }
        self.awaitingClose = true
    }
}

@main
struct NIOWebSocketEcho: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nio-ws-echo",
        abstract: "A plain SwiftNIO WebSocket echo (or fan-out) on one event loop, on 127.0.0.1, any path."
    )

    @OptionGroup var options: PeerOptions

    func run() throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        // One loop, so every channel and the room live on it.
        let room: NIOLoopBound<Room>? =
            self.options.mode == .fanout
            ? try loop.submit { NIOLoopBound(Room(), eventLoop: loop) }.wait() : nil

        let upgrader = NIOWebSocketServerUpgrader(
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WebSocketEchoHandler(room: room))
                }
            }
        )

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let httpHandler = HTTPHandler()
                    let config: NIOHTTPServerUpgradeConfiguration = (
                        upgraders: [upgrader],
                        completionHandler: { _ in channel.pipeline.removeHandler(httpHandler, promise: nil) }
                    )
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withServerUpgrade: config)
                    try channel.pipeline.syncOperations.addHandler(httpHandler)
                }
            }
            .childChannelOption(.socketOption(.so_reuseaddr), value: 1)

        let channel = try bootstrap.bind(host: "127.0.0.1", port: self.options.port).wait()
        print("nio-ws-echo (\(self.options.mode.rawValue)) listening on \(channel.localAddress!)")
        try channel.closeFuture.wait()
        try group.syncShutdownGracefully()
    }
}
