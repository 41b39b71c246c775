import NIOCore
import NIOEmbedded
import NIOWebSocket

@testable import TurnoutTransport

/// The `frames` target: the native stack's ``NativeFrameParser`` and the
/// ``WebSocketProtocolStateMachine`` both stacks run, fed an arbitrary client byte stream in
/// arbitrary chunks (``ChunkedInput``).
///
/// Asserts:
/// - the parser finds the same frames and the same error however the stream is chunked, and never
///   returns more payload than it was given, nor a frame over its limit;
/// - it agrees frame for frame and error for error with NIO's `WebSocketFrameDecoder`, which the
///   compat stack runs (both stacks must accept and reject the same bytes);
/// - the machine delivers only valid UTF-8 text and messages within the limit, answers a ping with
///   its own payload, echoes the peer's close code, acts on nothing after a close, and reports the
///   close exactly once.
enum FrameFuzzer {
    /// Small limits, so that fuzz inputs reach them.
    static let maxFrameSize = 1_024
    static let maxMessageSize = 2_048

    /// One parsed frame, comparable.
    struct Frame: Equatable {
        var fin: Bool
        var hasReservedBits: Bool
        var opcode: UInt8
        var maskKey: [UInt8]?
        var payload: [UInt8]

        init(_ frame: InboundFrame) {
            self.fin = frame.fin
            self.hasReservedBits = frame.hasReservedBits
            self.opcode = UInt8(webSocketOpcode: frame.opcode)
            self.maskKey = frame.maskKey.map { Array($0) }
            self.payload = Array(buffer: frame.payload)
        }
    }

    /// What a framing layer made of a stream: its frames, then the error that stopped it, if any.
    struct Parse: Equatable {
        var frames: [Frame] = []
        var error: NIOWebSocketError?
        /// An error of another type, which no framing layer should raise.
        var unexpectedError: String?
        /// The frames as parsed, for the machine.
        var inbound: [InboundFrame] = []

        static func == (lhs: Parse, rhs: Parse) -> Bool {
            lhs.frames == rhs.frames && lhs.error == rhs.error && lhs.unexpectedError == rhs.unexpectedError
        }
    }

    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let input = ChunkedInput(bytes)
        let whole = try self.parse([input.stream[...]], streamLength: input.stream.count)
        let chunked = try self.parse(input.chunks, streamLength: input.stream.count)
        try check(
            whole == chunked,
            "the parser found \(chunked.frames.count) frames and \(String(describing: chunked.error)) in chunks, "
                + "but \(whole.frames.count) frames and \(String(describing: whole.error)) in one read"
        )
        let nio = self.parseWithNIO(input.chunks)
        try check(
            nio == chunked,
            "NIO's decoder found \(nio.frames.count) frames and \(String(describing: nio.error)), "
                + "the native parser \(chunked.frames.count) frames and \(String(describing: chunked.error))"
        )
        try self.drive(chunked)
    }

    /// Runs ``NativeFrameParser`` over `chunks`, as ``NativeWebSocketHandler`` does.
    static func parse(_ chunks: [ArraySlice<UInt8>], streamLength: Int) throws(FuzzFailure) -> Parse {
        var parser = NativeFrameParser(maxFrameSize: self.maxFrameSize)
        var result = Parse()
        var consumed = 0
        var given = 0
        reading: for chunk in chunks {
            parser.append(ByteBuffer(bytes: chunk))
            given += chunk.count
            while true {
                let frame: InboundFrame?
                do {
                    frame = try parser.nextFrame()
                } catch {
                    result.error = error
                    break reading
                }
                guard let frame else { break }
                let payload = frame.payload.readableBytes
                try check(payload <= self.maxFrameSize, "a frame of \(payload) bytes passed the \(self.maxFrameSize)-byte limit")
                consumed += 2 + payload + (frame.maskKey == nil ? 0 : 4)
                try check(
                    consumed <= given,
                    "the parser returned frames of at least \(consumed) bytes after being given \(given)"
                )
                result.frames.append(Frame(frame))
                result.inbound.append(frame)
            }
        }
        if result.error == nil {
            try check(given == streamLength, "the chunks hold \(given) of the stream's \(streamLength) bytes")
        }
        return result
    }

    /// Runs NIO's `WebSocketFrameDecoder`, the compat stack's framing, over `chunks`.
    static func parseWithNIO(_ chunks: [ArraySlice<UInt8>]) -> Parse {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: self.maxFrameSize)))
        defer { _ = try? channel.finish() }
        var result = Parse()
        for chunk in chunks {
            do {
                try channel.writeInbound(ByteBuffer(bytes: chunk))
            } catch let error as NIOWebSocketError {
                result.error = error
            } catch {
                result.unexpectedError = "\(error)"
            }
            while let frame = try? channel.readInbound(as: WebSocketFrame.self) {
                result.frames.append(Frame(InboundFrame(frame)))
            }
            if result.error != nil || result.unexpectedError != nil { break }
        }
        return result
    }

    /// Feeds the frames to the protocol machine and checks every action it returns.
    static func drive(_ parse: Parse) throws(FuzzFailure) {
        var machine = WebSocketProtocolStateMachine(maxMessageSize: self.maxMessageSize)
        var closing = false
        for frame in parse.inbound {
            var unmasked = frame.payload
            if let key = frame.maskKey { unmasked.webSocketUnmask(key) }
            let action = machine.frameReceived(frame)
            if closing {
                switch action {
                case .none, .closeChannel: break
                default: throw FuzzFailure("the machine returned \(action) after a close")
                }
                continue
            }
            switch action {
            case .none:
                break
            case .deliverText(let text):
                try check(text.readableBytes <= self.maxMessageSize, "delivered a text of \(text.readableBytes) bytes")
                try check(String(validating: Array(buffer: text), as: UTF8.self) != nil, "delivered text that is not UTF-8")
            case .deliverBinary(let data):
                try check(data.readableBytes <= self.maxMessageSize, "delivered a binary of \(data.readableBytes) bytes")
            case .sendPong(let payload):
                try check(frame.opcode == .ping && payload == unmasked, "a pong that does not carry its ping's payload")
            case .reportPong(let payload):
                try check(frame.opcode == .pong && payload.readableBytes <= 125, "a pong report for \(frame.opcode)")
            case .echoCloseThenCloseChannel(let close):
                try check(frame.opcode == .connectionClose, "echoed a close for \(frame.opcode)")
                let received = unmasked.getInteger(at: unmasked.readerIndex, as: UInt16.self)
                try check(close.code == received && close.reason.isEmpty, "echoed \(close) for a close with code \(String(describing: received))")
                closing = true
            case .sendClose(let close):
                try check(
                    [1002, 1007, 1009].contains(close.code) && !close.reason.isEmpty,
                    "failed the connection with \(close)"
                )
                closing = true
            case .closeChannel:
                throw FuzzFailure("closeChannel on an open connection")
            }
        }
        if let error = parse.error {
            let action = machine.decoderFailed(error)
            if case .sendCloseAndShutdownOutput = action {
                try check(!closing, "a second close after the decoder failed")
            } else {
                try check(closing, "no close for a decoder failure on an open connection")
            }
        }
        if case .none = machine.socketClosed() {
            throw FuzzFailure("the close was not reported")
        }
        if case .reportClose = machine.socketClosed() {
            throw FuzzFailure("the close was reported twice")
        }
    }
}
