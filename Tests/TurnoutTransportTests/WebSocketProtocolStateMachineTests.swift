import NIOCore
import NIOWebSocket
import Testing

@testable import TurnoutTransport

/// The protocol machine both stacks run, alone: every input in every state, on plain values.
struct WebSocketProtocolStateMachineTests {
    typealias Machine = WebSocketProtocolStateMachine

    /// One input to the machine.
    enum Input: Sendable, CustomStringConvertible {
        /// A client frame, masked unless `masked` is false.
        case frame(WebSocketOpcode, [UInt8], fin: Bool = true, masked: Bool = true, rsv: Bool = false)
        case closeRequested(WebSocketClose)
        case decoderFailed(NIOWebSocketError)
        case timeout
        case pingRequested
        case socketClosed

        static func close(_ code: UInt16, _ reason: String = "") -> Input {
            .frame(.connectionClose, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
        }

        static func text(_ text: String, fin: Bool = true) -> Input {
            .frame(.text, Array(text.utf8), fin: fin)
        }

        var description: String {
            switch self {
            case .frame(let opcode, let bytes, let fin, let masked, let rsv):
                "frame(\(opcode) \(bytes)\(fin ? "" : " fin=0")\(masked ? "" : " unmasked")\(rsv ? " rsv" : ""))"
            case .closeRequested(let close): "closeRequested(\(close.code.map(String.init) ?? "-"))"
            case .decoderFailed(let error): "decoderFailed(\(error))"
            case .timeout: "timeout"
            case .pingRequested: "pingRequested"
            case .socketClosed: "socketClosed"
            }
        }
    }

    /// The state a row starts from, reached through inputs.
    enum Given: String, Sendable {
        case open
        case partialText
        case partialBinary
        case closing
        case closedByPeer
        case closedByTimeout
        case disconnected

        var inputs: [Input] {
            switch self {
            case .open: []
            case .partialText: [.frame(.text, [0xC3], fin: false)]  // the first byte of "é"
            case .partialBinary: [.frame(.binary, [1, 2, 3], fin: false)]
            case .closing: [.closeRequested(.slowConsumer)]
            case .closedByPeer: [.close(4000, "done")]
            case .closedByTimeout: [.closeRequested(.slowConsumer), .timeout]
            case .disconnected: [.socketClosed]
            }
        }
    }

    /// One transition: from a state, an input, the action and the state after it.
    struct Row: Sendable, CustomTestStringConvertible {
        let given: Given
        let input: Input
        let action: String
        let state: String

        init(_ given: Given, _ input: Input, _ action: String, _ state: String) {
            self.given = given
            self.input = input
            self.action = action
            self.state = state
        }

        var testDescription: String { "\(self.given) + \(self.input) → \(self.action)" }
    }

    static let maxMessageSize = 10
    static let key = WebSocketMaskingKey([1, 2, 3, 4])!

    static let rows: [Row] = [
        // Open: messages.
        Row(.open, .text("hi"), "text(hi)", "open"),
        Row(.open, .frame(.binary, [1, 2]), "binary([1, 2])", "open"),
        Row(.open, .frame(.text, Array(repeating: 0x41, count: 10)), "text(AAAAAAAAAA)", "open"),
        Row(.open, .text("a", fin: false), "none", "open(text 1)"),
        Row(.open, .frame(.binary, [1], fin: false), "none", "open(binary 1)"),
        Row(.open, .frame(.text, [0xC3], fin: false), "none", "open(text 1)"),
        // Open: violations start our close.
        Row(.open, .frame(.continuation, [1]), "sendClose(1002 Unexpected continuation frame)", "closing(1002)"),
        Row(.open, .frame(.text, [0x41], rsv: true), "sendClose(1002 Reserved bits set)", "closing(1002)"),
        Row(.open, .frame(.text, [0x41], masked: false), "sendClose(1002 Unmasked client frame)", "closing(1002)"),
        Row(.open, .frame(WebSocketOpcode(encodedWebSocketOpcode: 3)!, []), "sendClose(1002 Reserved opcode)", "closing(1002)"),
        Row(.open, .frame(WebSocketOpcode(encodedWebSocketOpcode: 0xB)!, []), "sendClose(1002 Reserved opcode)", "closing(1002)"),
        Row(.open, .frame(.ping, [], fin: false), "sendClose(1002 Fragmented control frame)", "closing(1002)"),
        Row(.open, .frame(.ping, Array(repeating: 0, count: 126)), "sendClose(1002 Control frame too long)", "closing(1002)"),
        Row(.open, .frame(.text, [0xFF]), "sendClose(1007 Invalid UTF-8)", "closing(1007)"),
        Row(.open, .frame(.text, [0xFF], fin: false), "sendClose(1007 Invalid UTF-8)", "closing(1007)"),
        Row(.open, .frame(.text, [0xC3]), "sendClose(1007 Invalid UTF-8)", "closing(1007)"),
        Row(.open, .frame(.binary, Array(repeating: 0, count: 11)), "sendClose(1009 Message too big)", "closing(1009)"),
        // Open: control frames.
        Row(.open, .frame(.ping, [9]), "sendPong([9])", "open"),
        Row(.open, .frame(.pong, [7]), "reportPong([7])", "open"),
        Row(.open, .frame(.connectionClose, []), "echoCloseThenCloseChannel(-)", "closed(-)"),
        Row(.open, .close(1000, "ok"), "echoCloseThenCloseChannel(1000)", "closed(1000 ok)"),
        Row(.open, .frame(.connectionClose, [0x03]), "sendClose(1002 Invalid close frame)", "closing(1002)"),
        Row(.open, .frame(.connectionClose, [0x03, 0xE8, 0xFF]), "sendClose(1007 Invalid UTF-8 in close reason)", "closing(1007)"),
        // Open: the server's inputs.
        Row(.open, .closeRequested(.slowConsumer), "sendClose(1008 Slow consumer)", "closing(1008)"),
        Row(.open, .decoderFailed(.invalidFrameLength), "sendCloseAndShutdownOutput(1009 Message too big)", "closing(1009)"),
        Row(.open, .decoderFailed(.fragmentedControlFrame), "sendCloseAndShutdownOutput(1002 Fragmented control frame)", "closing(1002)"),
        Row(.open, .decoderFailed(.multiByteControlFrameLength), "sendCloseAndShutdownOutput(1002 Control frame too long)", "closing(1002)"),
        Row(.open, .pingRequested, "sendPing", "open"),
        Row(.open, .socketClosed, "reportClose(-)", "disconnected"),

        // A fragmented text message in progress ("é" split after its first byte).
        Row(.partialText, .frame(.continuation, [0xA9]), "text(é)", "open"),
        Row(.partialText, .frame(.continuation, [0xA9], fin: false), "none", "open(text 2)"),
        Row(.partialText, .frame(.continuation, [0x41]), "sendClose(1007 Invalid UTF-8)", "closing(1007)"),
        Row(.partialText, .frame(.continuation, []), "sendClose(1007 Invalid UTF-8)", "closing(1007)"),
        Row(.partialText, .frame(.continuation, Array(repeating: 0x80, count: 10)), "sendClose(1009 Message too big)", "closing(1009)"),
        Row(.partialText, .text("x"), "sendClose(1002 Expected continuation frame)", "closing(1002)"),
        Row(.partialText, .frame(.binary, [1]), "sendClose(1002 Expected continuation frame)", "closing(1002)"),
        Row(.partialText, .frame(.ping, [1]), "sendPong([1])", "open(text 1)"),
        Row(.partialText, .frame(.pong, []), "reportPong([])", "open(text 1)"),
        Row(.partialText, .close(1000), "echoCloseThenCloseChannel(1000)", "closed(1000)"),
        Row(.partialText, .closeRequested(.serverShuttingDown), "sendClose(1001 Server shutting down)", "closing(1001)"),
        Row(.partialText, .socketClosed, "reportClose(-)", "disconnected"),
        // A fragmented binary message in progress ([1, 2, 3]).
        Row(.partialBinary, .frame(.continuation, [4, 5]), "binary([1, 2, 3, 4, 5])", "open"),
        Row(.partialBinary, .frame(.continuation, [4, 5], fin: false), "none", "open(binary 5)"),
        Row(.partialBinary, .frame(.continuation, Array(repeating: 9, count: 7)), "binary([1, 2, 3, 9, 9, 9, 9, 9, 9, 9])", "open"),
        Row(.partialBinary, .frame(.continuation, Array(repeating: 9, count: 8)), "sendClose(1009 Message too big)", "closing(1009)"),
        Row(.partialBinary, .frame(.continuation, [0xFF]), "binary([1, 2, 3, 255])", "open"),

        // Closing: only the peer's close frame counts, unchecked.
        Row(.closing, .text("late"), "none", "closing(1008)"),
        Row(.closing, .frame(.ping, [1]), "none", "closing(1008)"),
        Row(.closing, .frame(.text, [0xFF], masked: false, rsv: true), "none", "closing(1008)"),
        Row(.closing, .close(1000), "closeChannel", "closed(1008 Slow consumer)"),
        Row(.closing, .frame(.connectionClose, [0x03]), "closeChannel", "closed(1008 Slow consumer)"),
        Row(.closing, .closeRequested(.serverShuttingDown), "none", "closing(1008)"),
        Row(.closing, .decoderFailed(.invalidFrameLength), "none", "closing(1008)"),
        Row(.closing, .timeout, "closeChannel", "closed(1008 Slow consumer)"),
        Row(.closing, .pingRequested, "none", "closing(1008)"),
        Row(.closing, .socketClosed, "reportClose(1008 Slow consumer)", "disconnected"),

        // Closed: everything is ignored until the socket is gone; the first close is reported.
        Row(.closedByPeer, .text("late"), "none", "closed(4000 done)"),
        Row(.closedByPeer, .close(1000), "none", "closed(4000 done)"),
        Row(.closedByPeer, .closeRequested(.slowConsumer), "none", "closed(4000 done)"),
        Row(.closedByPeer, .decoderFailed(.invalidFrameLength), "none", "closed(4000 done)"),
        Row(.closedByPeer, .timeout, "none", "closed(4000 done)"),
        Row(.closedByPeer, .pingRequested, "none", "closed(4000 done)"),
        Row(.closedByPeer, .socketClosed, "reportClose(4000 done)", "disconnected"),
        Row(.closedByTimeout, .close(1000), "none", "closed(1008 Slow consumer)"),
        Row(.closedByTimeout, .socketClosed, "reportClose(1008 Slow consumer)", "disconnected"),

        // Disconnected: the close was reported once; nothing more happens.
        Row(.disconnected, .text("late"), "none", "disconnected"),
        Row(.disconnected, .closeRequested(.slowConsumer), "none", "disconnected"),
        Row(.disconnected, .decoderFailed(.invalidFrameLength), "none", "disconnected"),
        Row(.disconnected, .timeout, "none", "disconnected"),
        Row(.disconnected, .pingRequested, "none", "disconnected"),
        Row(.disconnected, .socketClosed, "none", "disconnected"),
    ]

    @Test(arguments: Self.rows)
    func transition(_ row: Row) {
        var machine = Machine(maxMessageSize: Self.maxMessageSize)
        for input in row.given.inputs { _ = Self.apply(input, to: &machine) }
        #expect(Self.describe(machine.state) == row.given.expectedState, "reaching the given state")
        let action = Self.apply(row.input, to: &machine)
        #expect(action == row.action)
        #expect(Self.describe(machine.state) == row.state)
        #expect(machine.isOpen == row.state.hasPrefix("open"))
    }

    /// Every code a peer may send is echoed; every other code fails the connection with 1002.
    @Test(
        arguments: [
            (999, false), (1000, true), (1003, true), (1004, false), (1005, false), (1006, false), (1007, true),
            (1011, true), (1014, true), (1015, false), (1016, false), (2999, false), (3000, true), (4999, true),
            (5000, false), (65535, false),
        ] as [(UInt16, Bool)]
    )
    func closeCodes(_ code: UInt16, _ valid: Bool) {
        var machine = Machine(maxMessageSize: Self.maxMessageSize)
        let action = Self.apply(.close(code), to: &machine)
        #expect(action == (valid ? "echoCloseThenCloseChannel(\(code))" : "sendClose(1002 Invalid close code)"))
    }

    /// A long fragmented message: each continuation appends in place, and the whole arrives once.
    @Test
    func manyFragmentsReassembleInOrder() {
        var machine = Machine(maxMessageSize: 1000)
        #expect(Self.apply(.frame(.binary, [0], fin: false), to: &machine) == "none")
        for byte in 1..<99 {
            #expect(Self.apply(.frame(.continuation, [UInt8(byte)], fin: false), to: &machine) == "none")
        }
        guard case .deliverBinary(let message) = machine.frameReceived(Self.inbound(.continuation, [99], fin: true)) else {
            Issue.record("the last fragment delivers the message")
            return
        }
        #expect(Array(buffer: message) == (0..<100).map { UInt8($0) })
    }

    /// A timeout can only follow our close frame; on an open connection it is a broken invariant.
    @Test
    func timeoutWhileOpenTraps() async {
        await #expect(processExitsWith: .failure) {
            var machine = WebSocketProtocolStateMachine(maxMessageSize: 10)
            _ = machine.closeHandshakeTimedOut()
        }
    }

    // MARK: - Helpers

    static func inbound(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool, masked: Bool = true, rsv: Bool = false) -> InboundFrame {
        var payload = ByteBuffer(bytes: bytes)
        if masked { payload.webSocketMask(Self.key) }
        return InboundFrame(fin: fin, hasReservedBits: rsv, opcode: opcode, maskKey: masked ? Self.key : nil, payload: payload)
    }

    /// Feeds one input and describes the action it returned.
    static func apply(_ input: Input, to machine: inout Machine) -> String {
        switch input {
        case .frame(let opcode, let bytes, let fin, let masked, let rsv):
            switch machine.frameReceived(Self.inbound(opcode, bytes, fin: fin, masked: masked, rsv: rsv)) {
            case .none: return "none"
            case .deliverText(let text): return "text(\(String(buffer: text)))"
            case .deliverBinary(let data): return "binary(\(Array(buffer: data)))"
            case .sendPong(let payload): return "sendPong(\(Array(buffer: payload)))"
            case .reportPong(let payload): return "reportPong(\(Array(buffer: payload)))"
            case .echoCloseThenCloseChannel(let close): return "echoCloseThenCloseChannel(\(Self.describe(close)))"
            case .sendClose(let close): return "sendClose(\(Self.describe(close)))"
            case .closeChannel: return "closeChannel"
            }
        case .closeRequested(let close):
            switch machine.closeRequested(close) {
            case .none: return "none"
            case .sendClose(let close): return "sendClose(\(Self.describe(close)))"
            }
        case .decoderFailed(let error):
            switch machine.decoderFailed(error) {
            case .none: return "none"
            case .sendCloseAndShutdownOutput(let close): return "sendCloseAndShutdownOutput(\(Self.describe(close)))"
            }
        case .timeout:
            switch machine.closeHandshakeTimedOut() {
            case .none: return "none"
            case .closeChannel: return "closeChannel"
            }
        case .pingRequested:
            switch machine.pingRequested() {
            case .none: return "none"
            case .sendPing: return "sendPing"
            }
        case .socketClosed:
            switch machine.socketClosed() {
            case .none: return "none"
            case .reportClose(let close): return "reportClose(\(close.map(Self.describe) ?? "-"))"
            }
        }
    }

    static func describe(_ close: WebSocketClose) -> String {
        let code = close.code.map(String.init) ?? "-"
        return close.reason.isEmpty ? code : "\(code) \(close.reason)"
    }

    /// The state in a few words; a closing state shows its code only.
    static func describe(_ state: Machine.State) -> String {
        switch state {
        case .open(let open):
            guard let message = open.message else { return "open" }
            return "open(\(message.isText ? "text" : "binary") \(message.buffer.readableBytes))"
        case .closing(let closing): return "closing(\(closing.sent.code.map(String.init) ?? "-"))"
        case .closed(let record): return "closed(\(Self.describe(record.firstClose)))"
        case .disconnected: return "disconnected"
        case .modifying: return "modifying"
        }
    }
}

extension WebSocketProtocolStateMachineTests.Given {
    /// The state its inputs lead to.
    var expectedState: String {
        switch self {
        case .open: "open"
        case .partialText: "open(text 1)"
        case .partialBinary: "open(binary 3)"
        case .closing: "closing(1008)"
        case .closedByPeer: "closed(4000 done)"
        case .closedByTimeout: "closed(1008 Slow consumer)"
        case .disconnected: "disconnected"
        }
    }
}
