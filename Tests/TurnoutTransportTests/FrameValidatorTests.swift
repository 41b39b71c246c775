import NIOCore
import NIOWebSocket
import Testing

@testable import TurnoutTransport

/// The shared RFC 6455 checks and the incremental UTF-8 validator, alone.
struct FrameValidatorTests {
    static let key = WebSocketMaskingKey([1, 2, 3, 4])!

    static func masked(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool = true) -> WebSocketFrame {
        var data = ByteBuffer(bytes: bytes)
        data.webSocketMask(key)
        return WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data)
    }

    @Test(
        arguments: [
            ([0x41], true),
            ([0xC3, 0xA9], true),
            ([0xF0, 0x9F, 0x98, 0x80], true),
            ([0xC0, 0x80], false),  // overlong
            ([0xED, 0xA0, 0x80], false),  // surrogate
            ([0xF4, 0x90, 0x80, 0x80], false),  // above U+10FFFF
            ([0xFF], false),
            ([0xE0, 0x9F, 0x80], false),  // overlong 3-byte
        ] as [([UInt8], Bool)]
    )
    func utf8(_ bytes: [UInt8], _ valid: Bool) {
        var validator = IncrementalUTF8Validator()
        let fed = bytes.withUnsafeBytes { validator.feed($0) }
        #expect((fed && validator.isComplete) == valid)
    }

    @Test
    func utf8AcrossEveryChunkBoundary() {
        let bytes = Array("aé€😀 long ASCII run to take the fast path ok".utf8)
        for split in 0...bytes.count {
            var validator = IncrementalUTF8Validator()
            let first = bytes[..<split].withUnsafeBytes { validator.feed($0) }
            let second = bytes[split...].withUnsafeBytes { validator.feed($0) }
            #expect(first && second && validator.isComplete, "split at \(split)")
        }
    }

    @Test
    func unmasksAndTracksFragments() {
        var validator = WebSocketFrameValidator(maxMessageSize: 10)
        guard case .data(let first, true, true, false) = validator.validate(Self.masked(.text, Array("ab".utf8), fin: false)) else {
            Issue.record("first fragment")
            return
        }
        #expect(String(buffer: first) == "ab")
        guard case .data(let second, true, false, true) = validator.validate(Self.masked(.continuation, Array("cd".utf8))) else {
            Issue.record("last fragment")
            return
        }
        #expect(String(buffer: second) == "cd")
        guard case .violation(let close) = validator.validate(Self.masked(.continuation, [1])) else {
            Issue.record("stray continuation")
            return
        }
        #expect(close == WebSocketClose(code: 1002, reason: "Unexpected continuation frame"))
    }

    @Test
    func sizeCountsAcrossFragments() {
        var validator = WebSocketFrameValidator(maxMessageSize: 4)
        _ = validator.validate(Self.masked(.binary, [1, 2, 3], fin: false))
        guard case .violation(let close) = validator.validate(Self.masked(.continuation, [4, 5])) else {
            Issue.record("expected 1009")
            return
        }
        #expect(close.code == 1009)
    }

    @Test
    func closePayloads() {
        var validator = WebSocketFrameValidator(maxMessageSize: 4)
        guard case .close(let close) = validator.validate(Self.masked(.connectionClose, [0x03, 0xE8] + Array("ok".utf8))) else {
            Issue.record("valid close")
            return
        }
        #expect(close == WebSocketClose(code: 1000, reason: "ok"))
        guard case .violation(let bad) = validator.validate(Self.masked(.connectionClose, [0x03, 0xEC])) else {
            Issue.record("1004")
            return
        }
        #expect(bad.code == 1002)
    }

    @Test
    func closeReasonIsTruncatedOnAScalarBoundary() {
        let close = WebSocketClose(code: 1000, reason: String(repeating: "é", count: 100))
        let payload = close.payload(allocator: ByteBufferAllocator())
        #expect(payload.readableBytes == 2 + 122)
    }
}
