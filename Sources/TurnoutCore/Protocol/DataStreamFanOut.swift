import NIOCore

/// The `data_stream`s of one fan-out, written back to back into a single buffer.
///
/// A routed event becomes one `data_stream` per recipient app, and those messages differ only in
/// the app's prefix (`{"type":"data_stream","sessionId":"<userId>-<pkg>","streamType":`); the
/// tail (`"<stream>","data":<data>,"timestamp":"…"}`) is the same for every app. So the tail is
/// encoded once, copied behind each further prefix, and each app is handed a slice of the one
/// buffer: one allocation per fan-out instead of one per app plus one for the tail, and the
/// bytes each app receives are exactly what separate encodings would produce.
///
/// Usage: ``append(prefix:)`` once per recipient, then ``message(at:prefixLength:)`` per
/// recipient, in the same order. Slices are taken only after the last append: a slice shares
/// the storage, and a write after that would copy the whole buffer.
///
/// The slices keep the whole buffer alive until the last of them is released; with a few apps
/// and messages of a few hundred bytes that is a few hundred bytes per fan-out.
struct DataStreamFanOut {
    private var buffer: ByteBuffer
    private let streamType: String
    private let data: ByteBuffer
    private let timestamp: Timestamp
    /// Where the first copy of the tail lies, once written.
    private var tail: Range<Int>?

    /// Allocates room for every message of the fan-out.
    ///
    /// - Parameters:
    ///   - streamType: The event's stream, written as `streamType`.
    ///   - data: The `data` value, spliced unchanged.
    ///   - timestamp: The message timestamp.
    ///   - recipients: How many apps the event goes to.
    ///   - prefixBytes: The total length of those apps' prefixes.
    init(streamType: String, data: ByteBuffer, timestamp: Timestamp, recipients: Int, prefixBytes: Int) {
        // A stream name that needs escapes only makes the buffer grow, before any slice exists.
        let tailEstimate = streamType.utf8.count + data.readableBytes + Self.tailOverhead
        self.buffer = ByteBufferAllocator().buffer(capacity: prefixBytes + recipients * tailEstimate)
        self.streamType = streamType
        self.data = data
        self.timestamp = timestamp
    }

    /// The length of each message's tail; valid after the first ``append(prefix:)``.
    var tailLength: Int { self.tail?.count ?? 0 }

    /// Appends one app's message: its prefix, then the shared tail.
    mutating func append(prefix: ByteBuffer) {
        // Raw copies inside one reservation: each ByteBuffer write call re-checks capacity and
        // uniqueness and pays a dynamic exclusivity check, which cost more than the copying.
        guard let tail = self.tail else {
            self.appendFirst(prefix: prefix)
            return
        }
        let start = self.buffer.writerIndex
        let length = prefix.readableBytes + tail.count
        self.buffer.reserveCapacity(minimumWritableBytes: length)
        self.buffer.withVeryUnsafeMutableBytes { storage in
            // Indices of a buffer we allocated are offsets into its storage; the buffer is not
            // shared yet, so this writes in place.
            var output = RawWriter(UnsafeMutableRawBufferPointer(rebasing: storage[start..<(start + length)]))
            prefix.withUnsafeReadableBytes { output.write($0) }
            output.write(UnsafeRawBufferPointer(rebasing: storage[tail]))
        }
        self.buffer.moveWriterIndex(forwardBy: length)
    }

    /// Appends the first message, encoding the tail behind the prefix.
    private mutating func appendFirst(prefix: ByteBuffer) {
        let data = self.data
        let timestamp = self.timestamp
        var streamType = self.streamType
        let tailStart = self.buffer.writerIndex + prefix.readableBytes
        streamType.withUTF8 { stream in
            guard !stream.contains(where: Self.needsEscape) else {
                // Rare (a type with quotes or control characters): the general writer escapes.
                self.buffer.writeImmutableBuffer(prefix)
                self.buffer.writeJSONString(self.streamType)
                self.buffer.writeStaticString(#","data":"#)
                self.buffer.writeImmutableBuffer(data)
                self.buffer.writeStaticString(#","timestamp":"#)
                self.buffer.writeJSONTimestamp(timestamp)
                self.buffer.writeInteger(UInt8(ascii: "}"))
                return
            }
            let length = prefix.readableBytes + stream.count + data.readableBytes + Self.tailOverhead
            self.buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: length) { storage in
                var output = RawWriter(storage)
                prefix.withUnsafeReadableBytes { output.write($0) }
                output.write(UInt8(ascii: "\""))
                output.write(UnsafeRawBufferPointer(stream))
                output.write(#"","data":"#)
                data.withUnsafeReadableBytes { output.write($0) }
                output.write(#","timestamp":""#)
                output.writeTimestamp(timestamp)
                output.write(#""}"#)
                return length
            }
        }
        self.tail = tailStart..<self.buffer.writerIndex
    }

    /// The tail's bytes besides the stream name and the data: the stream's quotes (2), `,"data":` (8),
    /// `,"timestamp":"` (14), the timestamp, and `"}` (2).
    private static let tailOverhead = 2 + 8 + 14 + Timestamp.renderedLength + 2

    /// Whether a byte of a JSON string must be escaped (see ``NIOCore/ByteBuffer/writeJSONString(_:)``).
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// One app's message, as a slice of the shared buffer.
    ///
    /// - Parameters:
    ///   - offset: Where the message starts: the sum of the lengths of the messages before it.
    ///   - prefixLength: The length of the app's prefix.
    /// - Returns: The message, `prefixLength + tailLength` bytes.
    func message(at offset: Int, prefixLength: Int) -> ByteBuffer {
        // Offsets come from the appends, so the slice lies inside the written bytes.
        self.buffer.getSlice(at: offset, length: prefixLength + self.tailLength)!
    }
}

/// Sequential raw stores into a region whose size the caller computed.
private struct RawWriter {
    private let output: UnsafeMutableRawBufferPointer
    private var cursor = 0

    init(_ output: UnsafeMutableRawBufferPointer) {
        self.output = output
    }

    mutating func write(_ bytes: UnsafeRawBufferPointer) {
        UnsafeMutableRawBufferPointer(rebasing: self.output[self.cursor..<(self.cursor + bytes.count)]).copyMemory(from: bytes)
        self.cursor += bytes.count
    }

    mutating func write(_ string: StaticString) {
        self.write(UnsafeRawBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    mutating func write(_ byte: UInt8) {
        self.output[self.cursor] = byte
        self.cursor += 1
    }

    mutating func writeTimestamp(_ timestamp: Timestamp) {
        timestamp.render(into: UnsafeMutableRawBufferPointer(rebasing: self.output[self.cursor..<(self.cursor + Timestamp.renderedLength)]))
        self.cursor += Timestamp.renderedLength
    }
}
