import NIOCore
import Testing
import TurnoutTestSupport
import TurnoutTransport

/// One exchange on a fresh connection: what the client sends and every event it must see back.
struct WireScenario: Sendable, CustomTestStringConvertible {
    typealias Event = RawWebSocketClient.Event

    let name: String
    /// Raw frames the client writes, in order.
    let send: [[UInt8]]
    /// Every event up to the TCP close.
    let expected: [Event]

    var testDescription: String { self.name }

    static func frame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) -> [UInt8] {
        RawWebSocketClient.encode(opcode: opcode, payload, fin: fin, rsv: rsv, masked: masked)
    }

    static func text(_ text: String, fin: Bool = true) -> [UInt8] { frame(1, Array(text.utf8), fin: fin) }
    static func close(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] { frame(8, [UInt8(code >> 8), UInt8(code & 0xFF)] + reason) }
    /// The client's closing handshake after an echo exchange, and the server's answer.
    static let clientClose = close(1000)
    static let closeEcho: [Event] = [.close(1000), .closed]

    /// "κόσμε" split inside its second code point.
    static let greek = Array("κόσμε".utf8)
    /// Valid UTF-8 up to a byte that can never start a sequence.
    static let invalidUTF8: [UInt8] = Array("hello".utf8) + [0xC0, 0x80]

    static let all: [WireScenario] = [
        .init(name: "text echo", send: [text("hello"), clientClose], expected: [.text("hello")] + closeEcho),
        .init(name: "binary echo", send: [frame(2, [0, 1, 2, 255]), clientClose], expected: [.binary([0, 1, 2, 255])] + closeEcho),
        .init(name: "empty text echo", send: [text(""), clientClose], expected: [.text("")] + closeEcho),
        .init(
            name: "fragmented text is reassembled",
            send: [text("hel", fin: false), frame(0, Array("l".utf8), fin: false), frame(0, Array("o".utf8)), clientClose],
            expected: [.text("hello")] + closeEcho
        ),
        .init(
            name: "code point split across fragments",
            send: [frame(1, Array(greek[0..<4]), fin: false), frame(0, Array(greek[4...])), clientClose],
            expected: [.text("κόσμε")] + closeEcho
        ),
        .init(
            name: "fragmented binary is reassembled",
            send: [frame(2, [1, 2], fin: false), frame(0, [3]), clientClose],
            expected: [.binary([1, 2, 3])] + closeEcho
        ),
        .init(
            name: "ping is answered with the same payload",
            send: [frame(9, Array("abc".utf8)), clientClose],
            expected: [.pong(Array("abc".utf8))] + closeEcho
        ),
        .init(
            name: "ping between fragments",
            send: [text("a", fin: false), frame(9, [7]), frame(0, Array("b".utf8)), clientClose],
            expected: [.pong([7]), .text("ab")] + closeEcho
        ),
        .init(name: "unsolicited pong is ignored", send: [frame(10, [1]), clientClose], expected: closeEcho),
        .init(
            name: "message at the size limit",
            send: [frame(2, Array(repeating: 7, count: 1024)), clientClose],
            expected: [.binary(Array(repeating: 7, count: 1024))] + closeEcho
        ),
        // Closing handshakes started by the client.
        .init(name: "close with reason echoes the code", send: [close(3000, Array("bye".utf8))], expected: [.close(3000), .closed]),
        .init(name: "empty close is echoed empty", send: [frame(8, [])], expected: [.close(nil), .closed]),
        .init(name: "close 1001", send: [close(1001)], expected: [.close(1001), .closed]),
        .init(name: "close 4999", send: [close(4999)], expected: [.close(4999), .closed]),
        // Protocol violations: 1002.
        .init(name: "unmasked frame", send: [frame(1, Array("hi".utf8), masked: false)], expected: [.close(1002, "Unmasked client frame"), .closed]),
        .init(name: "RSV1 set", send: [frame(1, Array("hi".utf8), rsv: 4)], expected: [.close(1002, "Reserved bits set"), .closed]),
        .init(name: "RSV3 on a ping", send: [frame(9, [], rsv: 1)], expected: [.close(1002, "Reserved bits set"), .closed]),
        .init(name: "reserved data opcode 3", send: [frame(3, [])], expected: [.close(1002, "Reserved opcode"), .closed]),
        .init(name: "reserved control opcode 11", send: [frame(11, [])], expected: [.close(1002, "Reserved opcode"), .closed]),
        .init(name: "continuation without a message", send: [frame(0, [1])], expected: [.close(1002, "Unexpected continuation frame"), .closed]),
        .init(
            name: "new message inside a fragmented one",
            send: [text("a", fin: false), text("b")],
            expected: [.close(1002, "Expected continuation frame"), .closed]
        ),
        .init(name: "close code 1005", send: [close(1005)], expected: [.close(1002, "Invalid close code"), .closed]),
        .init(name: "close code 999", send: [close(999)], expected: [.close(1002, "Invalid close code"), .closed]),
        .init(name: "close code 1015", send: [close(1015)], expected: [.close(1002, "Invalid close code"), .closed]),
        .init(name: "close code 2999", send: [close(2999)], expected: [.close(1002, "Invalid close code"), .closed]),
        .init(name: "one-byte close payload", send: [frame(8, [3])], expected: [.close(1002, "Invalid close frame"), .closed]),
        // NIO's decoder rejects these; both stacks map its error the same way.
        .init(name: "fragmented ping", send: [frame(9, [1], fin: false)], expected: [.close(1002, "Fragmented control frame"), .closed]),
        .init(
            name: "ping over 125 bytes",
            send: [frame(9, Array(repeating: 1, count: 126))],
            expected: [.close(1002, "Control frame too long"), .closed]
        ),
        // Invalid UTF-8: 1007, at the first bad fragment.
        .init(name: "invalid UTF-8 text", send: [frame(1, invalidUTF8)], expected: [.close(1007, "Invalid UTF-8"), .closed]),
        .init(
            name: "invalid UTF-8 fails at the first fragment",
            send: [frame(1, invalidUTF8, fin: false)],
            expected: [.close(1007, "Invalid UTF-8"), .closed]
        ),
        .init(
            name: "text ending inside a code point",
            send: [frame(1, Array(greek[0..<3]))],
            expected: [.close(1007, "Invalid UTF-8"), .closed]
        ),
        .init(name: "surrogate code point", send: [frame(1, [0xED, 0xA0, 0x80])], expected: [.close(1007, "Invalid UTF-8"), .closed]),
        .init(name: "close reason not UTF-8", send: [close(1000, [0xFF])], expected: [.close(1007, "Invalid UTF-8 in close reason"), .closed]),
        // Size: 1009.
        .init(
            name: "frame over the limit",
            send: [frame(2, Array(repeating: 1, count: 1025))],
            expected: [.close(1009, "Message too big"), .closed]
        ),
        .init(
            name: "fragments over the limit",
            send: [frame(2, Array(repeating: 1, count: 600), fin: false), frame(0, Array(repeating: 1, count: 600))],
            expected: [.close(1009, "Message too big"), .closed]
        ),
        .init(
            name: "frames after a violation are ignored",
            send: [frame(3, []), text("ignored"), frame(9, [])],
            expected: [.close(1002, "Reserved opcode"), .closed]
        ),
    ]
}

/// Both stacks against the same crafted bytes, with the same expected transcripts: this is how the
/// stacks are shown to be indistinguishable on the wire.
@Suite(.timeLimit(.minutes(1)))
struct WireConformanceTests {
    @Test(arguments: StackUnderTest.allCases, WireScenario.all)
    func scenario(_ stack: StackUnderTest, _ scenario: WireScenario) async throws {
        try await withTestServer(stack) { server in
            let (client, _) = try await server.connect()
            for frame in scenario.send {
                // The server may already have closed the connection (after a violation).
                try? await client.write(frame)
            }
            let transcript = await client.transcript()
            #expect(transcript == scenario.expected)
        }
    }

    @Test
    func transcriptsAreIdenticalAcrossStacks() async throws {
        var transcripts: [StackUnderTest: [[RawWebSocketClient.Event]]] = [:]
        for stack in StackUnderTest.allCases {
            try await withTestServer(stack) { server in
                for scenario in WireScenario.all {
                    let (client, _) = try await server.connect()
                    for frame in scenario.send {
                        try? await client.write(frame)
                    }
                    transcripts[stack, default: []].append(await client.transcript())
                }
            }
        }
        #expect(transcripts[.compat] == transcripts[.native])
    }

    @Test(arguments: StackUnderTest.allCases)
    func messagesKeepTheirOrder(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, _) = try await server.connect()
            var bytes: [UInt8] = []
            for index in 0..<300 {
                bytes +=
                    index.isMultiple(of: 3)
                    ? RawWebSocketClient.encode(opcode: 2, [UInt8(index & 0xFF)])
                    : RawWebSocketClient.encode(opcode: 1, Array("m\(index)".utf8))
            }
            try await client.write(bytes)
            for index in 0..<300 {
                let expected: RawWebSocketClient.Event = index.isMultiple(of: 3) ? .binary([UInt8(index & 0xFF)]) : .text("m\(index)")
                let event = await client.next()
                guard event == expected else {
                    Issue.record("message \(index): \(event), expected \(expected)")
                    return
                }
            }
            try await client.sendClose(1000)
            #expect(await client.transcript() == [.close(1000), .closed])
        }
    }
}
