import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing
import TurnoutCore
import TurnoutTestSupport

@testable import TurnoutTransport

/// The native handler on an `EmbeddedChannel`: framing, batching of flushes, the close handshake.
/// (The protocol rules are ``WebSocketProtocolStateMachineTests``'.)
struct NativeWebSocketHandlerTests {
    /// A client frame's bytes, as the native handler reads them from the socket.
    static func wire(_ opcode: UInt8, _ bytes: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: RawWebSocketClient.encode(opcode: opcode, bytes))
    }

    /// Parses the server frames of the next buffer the handler wrote (final, unmasked, short):
    /// the frames corked until one flush.
    static func serverFrames(_ channel: EmbeddedChannel) throws -> [(opcode: UInt8, payload: [UInt8])] {
        var bytes = try #require(try channel.readOutbound(as: ByteBuffer.self))
        var frames: [(opcode: UInt8, payload: [UInt8])] = []
        while bytes.readableBytes > 0 {
            let header = bytes.readBytes(length: 2) ?? []
            try #require(header.count == 2)
            let (first, length) = (header[0], header[1])
            #expect(first & 0xF0 == 0x80, "final, no RSV bits")
            #expect(length & 0x80 == 0, "server frames are unmasked")
            let read = bytes.readBytes(length: Int(length))
            let payload = try #require(read, "a whole frame per buffer")
            frames.append((first & 0x0F, payload))
        }
        return frames
    }

    @Test
    func handlerOnAnEmbeddedChannel() throws {
        let channel = EmbeddedChannel()
        // Active, as an upgraded socket is: a stack opens nothing on a closed channel.
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let stack = NativeStack()
        let identity = ConnectionIdentity.glasses(userId: "u", stack: .native, remoteAddress: "embedded")
        let recorded = LockedBox<[String]>([])
        final class Sink: WebSocketEventSink {
            let recorded: LockedBox<[String]>
            init(_ recorded: LockedBox<[String]>) { self.recorded = recorded }
            func textReceived(_ text: ByteBuffer) { self.recorded.withLockedValue { $0.append("text \(String(buffer: text))") } }
            func binaryReceived(_ data: ByteBuffer) { self.recorded.withLockedValue { $0.append("binary \(data.readableBytes)") } }
            func pongReceived() { self.recorded.withLockedValue { $0.append("pong") } }
            func connectionClosed(code: UInt16?, reason: String?) {
                self.recorded.withLockedValue { $0.append("closed \(code.map(String.init) ?? "-") \(reason ?? "-")") }
            }
        }
        let connection = LockedBox<(any Connection)?>(nil)
        try stack.install(on: channel, identity: identity, configuration: .test) { opened in
            connection.withLockedValue { $0 = opened }
            return Sink(recorded)
        }
        // Two frames in one read, the second split across two reads.
        var bytes = Self.wire(1, Array("hi".utf8))
        var ping = Self.wire(9, [5])
        bytes.writeBytes(ping.readBytes(length: 3)!)
        try channel.writeInbound(bytes)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        try channel.writeInbound(ping)
        let pong = try Self.serverFrames(channel)
        #expect(pong.map(\.opcode) == [0xA] && pong.first?.payload == [5])

        let opened = try #require(connection.withLockedValue { $0 })
        // Outside a read, sends are corked and flushed together, as one buffer, by a task after
        // the loop's current events.
        #expect(opened.sendText(ByteBuffer(string: "out")) == .accepted)
        #expect(opened.sendText(ByteBuffer(string: "more")) == .accepted)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        channel.embeddedEventLoop.run()
        let out = try Self.serverFrames(channel)
        #expect(out.map(\.opcode) == [1, 1])
        #expect(out.map(\.payload) == [Array("out".utf8), Array("more".utf8)])
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)

        opened.close(code: 1000, reason: "App stopped")
        let close = try Self.serverFrames(channel)
        #expect(close.map(\.opcode) == [8])
        #expect(close.first?.payload == [0x03, 0xE8] + Array("App stopped".utf8))
        try channel.writeInbound(Self.wire(8, [0x03, 0xE8]))
        #expect(!channel.isActive)
        #expect(recorded.withLockedValue { $0 } == ["text hi", "closed 1000 App stopped"])
    }
}
