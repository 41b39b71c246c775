import NIOCore
import NIOWebSocket
import Testing
import TurnoutTestSupport

@testable import TurnoutTransport

@Suite("Native framing: the parser and encoder that replace NIO's on the native stack")
struct NativeFramingTests {
    static func clientFrame(_ opcode: UInt8, length: Int, fin: Bool = true, rsv: UInt8 = 0) -> [UInt8] {
        RawWebSocketClient.encode(opcode: opcode, [UInt8](repeating: 0x61, count: length), fin: fin, rsv: rsv)
    }

    @Test("frames of every length form parse, fed whole or one byte at a time", arguments: [0, 1, 125, 126, 65_535, 65_536])
    func lengths(length: Int) throws {
        let bytes = Self.clientFrame(2, length: length) + Self.clientFrame(1, length: 3)
        for chunk in [bytes.count, 1, 7] {
            var parser = NativeFrameParser(maxFrameSize: 1 << 20)
            var frames: [InboundFrame] = []
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + chunk)
                parser.append(ByteBuffer(bytes: bytes[offset..<end]))
                offset = end
                while let frame = try parser.nextFrame() { frames.append(frame) }
            }
            try #require(frames.count == 2, "chunk \(chunk)")
            #expect(frames[0].opcode == .binary && frames[0].fin && !frames[0].hasReservedBits)
            var payload = frames[0].payload
            payload.webSocketUnmask(try #require(frames[0].maskKey))
            #expect(payload == ByteBuffer(repeating: 0x61, count: length))
            #expect(frames[1].opcode == .text && frames[1].payload.readableBytes == 3)
        }
    }

    @Test("a stream whose reads end mid-frame keeps only the unfinished frame, not everything it sent")
    func boundedBetweenReads() throws {
        var parser = NativeFrameParser(maxFrameSize: 1 << 20)
        let frame = Self.clientFrame(1, length: 100)  // 106 bytes
        var stream: [UInt8] = []
        for _ in 0..<2_000 { stream += frame }
        var parsed = 0
        var largest = 0
        var offset = 0
        while offset < stream.count {
            let end = min(stream.count, offset + 250)  // never on a frame boundary for long
            parser.append(ByteBuffer(bytes: stream[offset..<end]))
            offset = end
            while try parser.nextFrame() != nil { parsed += 1 }
            largest = max(largest, parser.heldCapacity)
        }
        #expect(parsed == 2_000)
        #expect(largest <= 1_024, "held \(largest) bytes between reads")
        #expect(parser.heldCapacity == 0)
    }

    @Test("after an error the parser lets go of the bytes")
    func releasesOnError() {
        var parser = NativeFrameParser(maxFrameSize: 10)
        parser.append(ByteBuffer(bytes: Self.clientFrame(2, length: 11) + Self.clientFrame(2, length: 1)))
        #expect(throws: NIOWebSocketError.invalidFrameLength) { try parser.nextFrame() }
        #expect(parser.heldCapacity == 0)
    }

    @Test("header bits come through for the protocol machine to judge")
    func bits() throws {
        var parser = NativeFrameParser(maxFrameSize: 100)
        parser.append(
            ByteBuffer(bytes: Self.clientFrame(0, length: 2, fin: false, rsv: 4) + RawWebSocketClient.encode(opcode: 3, [1], masked: false))
        )
        let first = try parser.nextFrame()
        let continuation = try #require(first)
        #expect(continuation.opcode == .continuation && !continuation.fin && continuation.hasReservedBits)
        let second = try parser.nextFrame()
        let reserved = try #require(second)
        #expect(reserved.opcode == WebSocketOpcode(encodedWebSocketOpcode: 3) && reserved.maskKey == nil)
        #expect(try parser.nextFrame() == nil)
    }

    @Test(
        "the errors NIO's decoder raises, raised as soon as the header is in",
        arguments: [
            // 201 bytes announced, length only: too long before the mask and payload arrive.
            (Array(Self.clientFrame(2, length: 201).prefix(4)), NIOWebSocketError.invalidFrameLength),
            (Array(Self.clientFrame(9, length: 1, fin: false).prefix(2)), .fragmentedControlFrame),
            (Array(Self.clientFrame(9, length: 126).prefix(4)), .multiByteControlFrameLength),
            ([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], .invalidFrameLength),  // 64-bit length with the top bit set
        ]
    )
    func errors(bytes: [UInt8], expected: NIOWebSocketError) {
        var parser = NativeFrameParser(maxFrameSize: 200)
        parser.append(ByteBuffer(bytes: bytes))
        #expect(throws: expected) { try parser.nextFrame() }
    }

    @Test(
        "server frames: final, unmasked, the shortest length form, copied up to the copy limit",
        arguments: [0, 125, 126, 1_024, 1_025, 65_535, 65_536]
    )
    func encoding(length: Int) throws {
        let payload = ByteBuffer(repeating: 0x62, count: length)
        var head = ByteBuffer(bytes: [0xAA])  // a frame already corked stays in front
        let rest = NativeFrameEncoder.append(opcode: .binary, payload: payload, to: &head)
        #expect(head.readInteger(as: UInt8.self) == 0xAA)
        let header = head.readBytes(length: 2) ?? []
        try #require(header.count == 2)
        #expect(header[0] == 0x82)
        let short = header[1]
        switch length {
        case ...125: #expect(Int(short) == length)
        case ...0xFFFF:
            #expect(short == 126)
            let extended = head.readInteger(as: UInt16.self)
            #expect(extended == UInt16(length))
        default:
            #expect(short == 127)
            let extended = head.readInteger(as: UInt64.self)
            #expect(extended == UInt64(length))
        }
        if length <= NativeFrameEncoder.copyLimit {
            #expect(rest == nil)
            #expect(head == payload)
        } else {
            #expect(head.readableBytes == 0)
            #expect(rest == payload)
        }
    }
}

@Suite("Outbound cork: one buffer per flush, reused, none while idle")
struct OutboundCorkTests {
    @Test("frames are corked in order; a large payload is handed back to follow the cork")
    func corksInOrder() throws {
        var cork = OutboundCork(pool: CorkBufferPool())
        let allocator = ByteBufferAllocator()
        #expect(cork.take() == nil, "an idle cork holds no buffer")
        #expect(cork.append(opcode: .text, payload: ByteBuffer(string: "hi"), allocator: allocator) == nil)
        #expect(cork.append(opcode: .pong, payload: ByteBuffer(), allocator: allocator) == nil)
        let large = ByteBuffer(repeating: 1, count: NativeFrameEncoder.copyLimit + 1)
        #expect(cork.append(opcode: .binary, payload: large, allocator: allocator) == large)
        let taken = cork.take()
        let corked = try #require(taken)
        #expect(Array(corked.readableBytesView) == [0x81, 2, 0x68, 0x69, 0x8A, 0, 0x82, 126, 0x04, 0x01])
        #expect(cork.count == 0)
    }

    /// Corks `text`, takes the buffer as a flush does, hands it back, and says where its bytes were.
    static func flushOnce(_ cork: inout OutboundCork, _ text: String, keep: inout [ByteBuffer]) -> UnsafeRawPointer? {
        _ = cork.append(opcode: .text, payload: ByteBuffer(string: text), allocator: ByteBufferAllocator())
        guard var taken = cork.take() else { return nil }
        #expect(Array(taken.readableBytesView) == [0x81, UInt8(text.utf8.count)] + Array(text.utf8))
        let address = taken.withVeryUnsafeBytes { UnsafeRawPointer($0.baseAddress) }
        keep.append(contentsOf: keep.isEmpty ? [] : [taken])  // a socket still writing holds it
        cork.recycle(&taken)
        return address
    }

    @Test("a buffer the socket let go of is reused; one still held elsewhere is not")
    func recycles() {
        let pool = CorkBufferPool()
        var cork = OutboundCork(pool: pool)
        var released: [ByteBuffer] = []
        let first = Self.flushOnce(&cork, "a", keep: &released)
        #expect(pool.count == 1)
        let second = Self.flushOnce(&cork, "b", keep: &released)
        #expect(second == first, "the same storage, cleared")
        #expect(pool.count == 1)

        var held = [ByteBuffer(string: "a socket still writing")]
        let third = Self.flushOnce(&cork, "c", keep: &held)
        #expect(third == first)
        #expect(pool.count == 0, "a buffer still referenced is not reused")
        #expect(held.last.map { Array($0.readableBytesView) } == [0x81, 1, 0x63], "and is left alone")
    }
}
