import Crypto
import Foundation  // base64 of the accept key, once per handshake

/// The server-side WebSocket work any server must do, written once for both floors as pure
/// functions over raw bytes: find the end of the request head and answer it, walk the complete
/// client frames in a byte region, and write server frames (unmasked) into an output region.
///
/// These are floors, not servers: they measure how little a WebSocket echo can cost on one core.
/// Fragmented messages are refused (1002), text is not checked for UTF-8, no extension is
/// negotiated, and the only limits are the head's length and the payload's.
enum FloorWire {
    /// The longest request head read before answering 431.
    static let maximumHeadLength = 8192
    /// The largest payload accepted; a larger frame is closed with 1009.
    static let maximumPayloadLength = 16 << 20

    // MARK: The request head

    /// What the server answers to the bytes received before the upgrade.
    enum RequestHead {
        /// No `\r\n\r\n` yet: read more.
        case incomplete
        /// A valid upgrade: send `response` (the 101), then frames start at `headLength`.
        case upgrade(response: String, headLength: Int)
        /// Not an upgrade, or a bad one: send `response`, then close.
        case answerAndClose(response: String)
    }

    /// Reads the request head at the start of `bytes`.
    static func requestHead(_ bytes: UnsafeRawBufferPointer) -> RequestHead {
        guard let end = endOfHead(bytes) else {
            return bytes.count > maximumHeadLength ? .answerAndClose(response: rejection(431, "Request Header Fields Too Large")) : .incomplete
        }
        let head = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)[...]
        let requestLine = lines.popFirst()?.split(separator: " ") ?? []
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            return .answerAndClose(response: rejection(400, "Bad Request", "malformed request line"))
        }
        guard requestLine[0] == "GET" else {
            return .answerAndClose(response: rejection(405, "Method Not Allowed", "only GET is served"))
        }
        var upgrade: Substring?
        var connection: Substring?
        var key: Substring?
        var version: Substring?
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                return .answerAndClose(response: rejection(400, "Bad Request", "header line without a colon"))
            }
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)[...]
            switch line[..<colon].lowercased() {
            case "upgrade": upgrade = value
            case "connection": connection = value
            case "sec-websocket-key": key = value
            case "sec-websocket-version": version = value
            default: break
            }
        }
        guard let upgrade else {
            let body = "turnout-echo-floor: a WebSocket echo floor; send an upgrade request\n"
            return .answerAndClose(response: response("200 OK", body: body))
        }
        guard upgrade.lowercased() == "websocket", connection?.lowercased().contains("upgrade") == true else {
            return .answerAndClose(response: rejection(400, "Bad Request", "Upgrade: websocket and Connection: upgrade expected"))
        }
        guard version == "13" else {
            return .answerAndClose(response: rejection(426, "Upgrade Required", "Sec-WebSocket-Version: 13 expected"))
        }
        guard let key, key.utf8.count == 24, Data(base64Encoded: String(key))?.count == 16 else {
            return .answerAndClose(response: rejection(400, "Bad Request", "Sec-WebSocket-Key must be 16 bytes in base64"))
        }
        let digest = Insecure.SHA1.hash(data: Data((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        let accept = Data(digest).base64EncodedString()
        let switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(accept)\r\n\r\n"
        return .upgrade(response: switching, headLength: end + 4)
    }

    /// The offset of the `\r\n\r\n` that ends the head, if the bytes hold one.
    private static func endOfHead(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index
        }
        return nil
    }

    private static func rejection(_ status: Int, _ phrase: String, _ reason: String? = nil) -> String {
        response("\(status) \(phrase)", body: "turnout-echo-floor: \(reason ?? phrase.lowercased())\n")
    }

    private static func response(_ status: String, body: String) -> String {
        "HTTP/1.1 \(status)\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)"
    }

    // MARK: Frames

    /// One server frame to write: an answer to a client frame, or a close of the server's own.
    enum Outgoing {
        /// A text or binary message (opcode 1 or 2): echoed, or sent to the room in fan-out mode.
        case message(opcode: UInt8, maskedPayload: UnsafeRawBufferPointer, mask: UInt64)
        /// A pong (10) or the echo of the client's close (8): to the sender only.
        case control(opcode: UInt8, maskedPayload: UnsafeRawBufferPointer, mask: UInt64)
        /// A close of the server's own (a protocol error), to the sender only.
        case failure(code: UInt16, reason: StaticString)

        /// The frame's length on the wire: header and payload.
        var length: Int {
            switch self {
            case .message(_, let payload, _), .control(_, let payload, _): FloorWire.headerLength(payload.count) + payload.count
            case .failure(_, let reason): 4 + reason.utf8CodeUnitCount
            }
        }

        /// Writes the frame at the start of `destination`, which holds at least `length` bytes.
        /// Returns `length`.
        func write(into destination: UnsafeMutableRawBufferPointer) -> Int {
            switch self {
            case .message(let opcode, let payload, let mask), .control(let opcode, let payload, let mask):
                let header = FloorWire.writeHeader(opcode: opcode, payloadLength: payload.count, into: destination)
                FloorWire.unmask(payload, mask: mask, into: UnsafeMutableRawBufferPointer(rebasing: destination[header...]))
                return header + payload.count
            case .failure(let code, let reason):
                destination[0] = 0x88
                destination[1] = UInt8(2 + reason.utf8CodeUnitCount)
                destination[2] = UInt8(code >> 8)
                destination[3] = UInt8(code & 0xFF)
                reason.withUTF8Buffer { UnsafeMutableRawBufferPointer(rebasing: destination[4...]).copyMemory(from: UnsafeRawBufferPointer($0)) }
                return length
            }
        }

        /// Whether the connection closes once this frame is written.
        var closes: Bool {
            switch self {
            case .message: false
            case .control(let opcode, _, _): opcode == 0x8
            case .failure: true
            }
        }
    }

    /// Walks the complete frames at the start of `input` and hands each answer to `send`, in order.
    /// Stops after a close (the client's or the server's own). Returns how many bytes were used:
    /// the rest is the start of a frame still to come, unless `closing` is true.
    static func consumeFrames(
        _ input: UnsafeRawBufferPointer,
        send: (Outgoing) -> Void
    ) -> (consumed: Int, closing: Bool) {
        var offset = 0
        while true {
            let step = nextFrame(UnsafeRawBufferPointer(rebasing: input[offset...]))
            switch step {
            case .needMore:
                return (offset, false)
            case .failure(let code, let reason):
                send(.failure(code: code, reason: reason))
                return (input.count, true)
            case .frame(let opcode, let payload, let mask, let length):
                let masked = UnsafeRawBufferPointer(rebasing: input[(offset + payload.lowerBound)..<(offset + payload.upperBound)])
                offset += length
                switch opcode {
                case 0x1, 0x2:
                    send(.message(opcode: opcode, maskedPayload: masked, mask: mask))
                case 0x9:
                    send(.control(opcode: 0xA, maskedPayload: masked, mask: mask))
                case 0x8:
                    send(.control(opcode: 0x8, maskedPayload: masked, mask: mask))
                    return (input.count, true)
                default:  // a pong: nothing to answer
                    break
                }
            }
        }
    }

    /// One step of the frame walk.
    enum FrameStep {
        /// A complete frame: its opcode, the payload's offsets, the mask repeated to 8 bytes, and
        /// the frame's whole length.
        case frame(opcode: UInt8, payload: Range<Int>, mask: UInt64, length: Int)
        /// The region ends inside the frame's header or payload.
        case needMore
        /// The frame breaks the protocol, or this floor's limits: close with `code`.
        case failure(code: UInt16, reason: StaticString)
    }

    /// Reads the client frame at the start of `bytes` (RFC 6455 §5.2).
    static func nextFrame(_ bytes: UnsafeRawBufferPointer) -> FrameStep {
        guard bytes.count >= 2 else { return .needMore }
        let first = bytes[0]
        let second = bytes[1]
        let opcode = first & 0x0F
        guard first & 0x70 == 0 else { return .failure(code: 1002, reason: "reserved bits set without an extension") }
        guard second & 0x80 != 0 else { return .failure(code: 1002, reason: "client frames must be masked") }
        switch opcode {
        case 0x1, 0x2:
            guard first & 0x80 != 0 else { return .failure(code: 1002, reason: "fragmented messages are not supported by this floor") }
        case 0x8, 0x9, 0xA:
            guard first & 0x80 != 0, second & 0x7F <= 125 else { return .failure(code: 1002, reason: "control frames must be final and short") }
        case 0x0:
            return .failure(code: 1002, reason: "fragmented messages are not supported by this floor")
        default:
            return .failure(code: 1002, reason: "unknown opcode")
        }
        var headerLength = 2
        var payloadLength = Int(second & 0x7F)
        if payloadLength == 126 {
            guard bytes.count >= 4 else { return .needMore }
            payloadLength = Int(bytes[2]) << 8 | Int(bytes[3])
            headerLength = 4
        } else if payloadLength == 127 {
            guard bytes.count >= 10 else { return .needMore }
            let length = (2..<10).reduce(UInt64(0)) { $0 << 8 | UInt64(bytes[$1]) }
            guard length <= UInt64(maximumPayloadLength) else { return .failure(code: 1009, reason: "message too big for this floor") }
            payloadLength = Int(length)
            headerLength = 10
        }
        guard payloadLength <= maximumPayloadLength else { return .failure(code: 1009, reason: "message too big for this floor") }
        if opcode == 0x8 && payloadLength == 1 { return .failure(code: 1002, reason: "a close payload of one byte") }
        guard bytes.count >= headerLength + 4 + payloadLength else { return .needMore }
        let mask32 = UInt64(bytes.loadUnaligned(fromByteOffset: headerLength, as: UInt32.self))
        let start = headerLength + 4
        return .frame(opcode: opcode, payload: start..<(start + payloadLength), mask: mask32 | mask32 << 32, length: start + payloadLength)
    }

    /// The length of a server frame's header for a payload of `count` bytes: 2, 4 or 10.
    static func headerLength(_ count: Int) -> Int {
        count <= 125 ? 2 : count <= 0xFFFF ? 4 : 10
    }

    /// Writes a final, unmasked frame header. Returns its length.
    static func writeHeader(opcode: UInt8, payloadLength count: Int, into destination: UnsafeMutableRawBufferPointer) -> Int {
        destination[0] = 0x80 | opcode
        switch headerLength(count) {
        case 2:
            destination[1] = UInt8(count)
            return 2
        case 4:
            destination[1] = 126
            destination.storeBytes(of: UInt16(count).bigEndian, toByteOffset: 2, as: UInt16.self)
            return 4
        default:
            destination[1] = 127
            destination.storeBytes(of: UInt64(count).bigEndian, toByteOffset: 2, as: UInt64.self)
            return 10
        }
    }

    /// Copies `payload` into `destination`, undoing the client's mask eight bytes at a time.
    /// `mask` is the frame's 4-byte key, as read from memory, repeated twice.
    static func unmask(_ payload: UnsafeRawBufferPointer, mask: UInt64, into destination: UnsafeMutableRawBufferPointer) {
        let count = payload.count
        var index = 0
        while index + 8 <= count {
            let word = payload.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ mask
            destination.storeBytes(of: word, toByteOffset: index, as: UInt64.self)
            index += 8
        }
        guard index < count else { return }
        // The tail, through a zeroed word so that each byte meets its own mask byte on any endianness.
        var tail: UInt64 = 0
        withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[index...])) }
        tail ^= mask
        withUnsafeBytes(of: tail) {
            UnsafeMutableRawBufferPointer(rebasing: destination[index..<count]).copyMemory(
                from: UnsafeRawBufferPointer(rebasing: $0[..<(count - index)])
            )
        }
    }
}
