import Testing

@testable import TurnoutFuzzTargets

extension SeedCorpusTests {
    /// Crashes the `http` fuzz target found, replayed through the public pipeline
    /// (``PublicChannelInitializer`` on a test channel, as the target builds it).
    ///
    /// Nested in the serialized seed suite: the pipeline and its counters are shared.
    @Suite("Bytes behind an upgrade request")
    struct UpgradeTrailingBytesTests {
        /// The input the `http` target found (Fuzz/Corpus/http/crash-upgrade-then-bytes-in-one-read):
        /// a legacy `/app-ws` upgrade with 7 bytes behind its head in the same read. NIO removes the
        /// HTTP decoder on upgrade and forwards those bytes as a ByteBuffer; HTTPExchangeObserver
        /// unwrapped them as a request part and trapped, taking the whole server down.
        static let crashInput: [UInt8] =
            [0x00]
            + Array(
                "GET /app-ws?userId=ada%40example.com HTTP/1.1\r\nHost: turnout.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGh"
                    .utf8
            )
            + [0x8A, 0x30, 0xB7, 0xB1] + Array("hbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n/tpa-ws".utf8)

        @Test("the crash input is upgraded with a 101, and nothing stays counted after the close")
        func crashInputIsUpgraded() async throws {
            let written = try await SerialReplay.exchange(Self.crashInput)
            #expect(String(decoding: written.prefix(34), as: UTF8.self) == "HTTP/1.1 101 Switching Protocols\r\n")
            let result = await SerialReplay.run(.http, Self.crashInput)
            #expect(throws: Never.self) { try result.get() }
        }

        @Test("a ping sent in the same read as the upgrade request is answered once the connection is a WebSocket")
        func pipelinedPingIsAnswered() async throws {
            let upgrade = try SeedCorpusTests.seed(.http, "glasses-bearer")
            let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
            let ping: [UInt8] = [0x89, 0x82] + mask + [UInt8(ascii: "h") ^ mask[0], UInt8(ascii: "i") ^ mask[1]]
            let written = try await SerialReplay.exchange(upgrade + ping)
            #expect(String(decoding: written.prefix(12), as: UTF8.self) == "HTTP/1.1 101")
            #expect(written.firstRange(of: [0x8A, 0x02, UInt8(ascii: "h"), UInt8(ascii: "i")]) != nil, "no pong with the ping's payload")
        }
    }
}
