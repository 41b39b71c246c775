import Glibc
import NIOCore
import NIOPosix

/// The floor of NIO's channel pipeline: a `ServerBootstrap` on one event loop and one raw
/// `ChannelInboundHandler` per connection, with none of NIO's HTTP or WebSocket handlers. The
/// handler answers the upgrade and walks the frames itself (`FloorWire`); the answers of one read
/// pass go into one outbound buffer for the whole loop and are flushed once, at `channelReadComplete`.
/// Fan-out corks as the epoll floor does: a read's messages are encoded once, copied into every
/// member's pending buffer, and one task after the loop's current batch of events writes and
/// flushes each member's buffer once, so that a burst costs each socket one `write(2)` and no
/// allocation (the buffers are unique again once written, and are reused).
enum NIOFloor {
    static func run(host: String, port: Int, mode: FloorMode, signals: sigset_t) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let state = try loop.submit { NIOLoopBound(NIOFloorLoop(mode: mode, eventLoop: loop), eventLoop: loop) }.wait()
        let server: any Channel
        do {
            server = try ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 1024)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOFloorHandler(loop: state.value))
                    }
                }
                .bind(host: host, port: port)
                .wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw FloorStartError(description: "cannot listen on \(host):\(port): \(error)")
        }
        FloorSignals.announce("turnout-echo-floor: nio floor, \(mode) mode, listening on \(host):\(server.localAddress?.port ?? port)")
        var signals = signals
        var received: Int32 = 0
        sigwait(&signals, &received)
        try? server.close().wait()
        try group.syncShutdownGracefully()
    }
}

/// What the connections of the one event loop share: the outbound buffer of the read pass in
/// progress, the fan-out frame, and the room. Touched on that loop only (`NIOLoopBound`).
final class NIOFloorLoop {
    let mode: FloorMode
    private let eventLoop: any EventLoop
    /// Answers to the connection being read; written to it at its `channelReadComplete`.
    var outbound = ByteBufferAllocator().buffer(capacity: 64 * 1024)
    /// A fan-out message, unmasked once before it is copied to every member.
    private var published = ByteBufferAllocator().buffer(capacity: 64 * 1024)
    /// The open connections (fan-out mode), each knowing its index.
    private var members: [NIOFloorHandler] = []
    private var flushScheduled = false

    init(mode: FloorMode, eventLoop: any EventLoop) {
        self.mode = mode
        self.eventLoop = eventLoop
    }

    func join(_ handler: NIOFloorHandler) {
        handler.memberIndex = members.count
        members.append(handler)
    }

    /// Copies a fan-out message to every member's pending buffer.
    func publish(_ frame: FloorWire.Outgoing) {
        published.clear()
        published.writeFrame(frame)
        for member in members {
            member.pending.writeImmutableBuffer(published)
        }
        scheduleFlush()
    }

    /// Writes and flushes every member's pending buffer once, after the loop's current events.
    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        eventLoop.assumeIsolated().execute {
            self.flushScheduled = false
            for member in self.members where member.pending.readableBytes > 0 {
                member.context?.writeAndFlush(member.wrapOutboundOut(member.pending), promise: nil)
                member.pending.clear()
            }
        }
    }

    func leave(_ handler: NIOFloorHandler) {
        guard let index = handler.memberIndex else { return }
        let last = members.removeLast()
        if last !== handler {
            members[index] = last
            last.memberIndex = index
        }
        handler.memberIndex = nil
    }
}

/// One connection of the NIO floor: the request head, then frames, on raw bytes.
final class NIOFloorHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Phase {
        case head
        case open
        case closing
    }

    private let loop: NIOFloorLoop
    private var phase = Phase.head
    /// The start of a head or frame that the last read cut; nil between whole frames.
    private var partial: ByteBuffer?
    /// This handler's context while it is in the pipeline, for fan-out writes from other connections.
    fileprivate var context: ChannelHandlerContext?
    fileprivate var memberIndex: Int?
    /// Fan-out messages for this connection, written and flushed by the loop's task.
    fileprivate var pending = ByteBuffer()

    init(loop: NIOFloorLoop) {
        self.loop = loop
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        loop.leave(self)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        loop.leave(self)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard phase != .closing else { return }
        var bytes = unwrapInboundIn(data)
        if var held = partial {
            partial = nil
            held.writeBuffer(&bytes)
            bytes = held
        }
        let used = bytes.withUnsafeReadableBytes { consume($0) }
        bytes.moveReaderIndex(forwardBy: used)
        if phase != .closing && bytes.readableBytes > 0 {
            // Copied, so that the loop's receive buffer is not held by a connection.
            var kept = context.channel.allocator.buffer(capacity: bytes.readableBytes)
            kept.writeBuffer(&bytes)
            partial = kept
        }
    }

    /// Answers the head or frames at the start of `input` into the loop's buffers; returns the bytes used.
    private func consume(_ input: UnsafeRawBufferPointer) -> Int {
        var offset = 0
        if phase == .head {
            switch FloorWire.requestHead(input) {
            case .incomplete:
                return 0
            case .answerAndClose(let response):
                loop.outbound.writeString(response)
                phase = .closing
                return input.count
            case .upgrade(let response, let headLength):
                loop.outbound.writeString(response)
                phase = .open
                if loop.mode == .fanout { loop.join(self) }
                offset = headLength
            }
        }
        let (used, closing) = FloorWire.consumeFrames(UnsafeRawBufferPointer(rebasing: input[offset...])) { frame in
            if case .message = frame, loop.mode == .fanout {
                loop.publish(frame)
            } else if memberIndex != nil && !frame.closes {
                // After the room's messages that came before it, as the epoll floor sends it.
                pending.writeFrame(frame)
                loop.scheduleFlush()
            } else {
                loop.outbound.writeFrame(frame)
            }
        }
        if closing {
            phase = .closing
            loop.leave(self)
        }
        return offset + used
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if loop.outbound.readableBytes > 0 {
            if phase == .closing {
                if pending.readableBytes > 0 {
                    context.write(wrapOutboundOut(pending), promise: nil)
                    pending = ByteBuffer()
                }
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(loop.outbound)).whenComplete { _ in channel.close(promise: nil) }
            } else {
                context.writeAndFlush(wrapOutboundOut(loop.outbound), promise: nil)
            }
            loop.outbound.clear()
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

extension ByteBuffer {
    fileprivate mutating func writeFrame(_ frame: FloorWire.Outgoing) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: frame.length) { frame.write(into: $0) }
    }
}
