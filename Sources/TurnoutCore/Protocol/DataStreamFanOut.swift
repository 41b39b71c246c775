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
        // `"<stream>"` + `,"data":` + data + `,"timestamp":` + `"<24 bytes>"` + `}`; a stream
        // name that needs escapes only makes the buffer grow once, before any slice exists.
        let tailEstimate = streamType.utf8.count + 2 + 8 + data.readableBytes + 13 + Timestamp.renderedLength + 2 + 1
        self.buffer = ByteBufferAllocator().buffer(capacity: prefixBytes + recipients * tailEstimate)
        self.streamType = streamType
        self.data = data
        self.timestamp = timestamp
    }

    /// The length of each message's tail; valid after the first ``append(prefix:)``.
    var tailLength: Int { self.tail?.count ?? 0 }

    /// Appends one app's message: its prefix, then the shared tail.
    mutating func append(prefix: ByteBuffer) {
        self.buffer.writeImmutableBuffer(prefix)
        if let tail = self.tail {
            // The source lies inside the written bytes and the buffer is not shared yet, so this
            // is one memmove and cannot throw.
            let copied = (try? self.buffer.copyBytes(at: tail.lowerBound, to: self.buffer.writerIndex, length: tail.count)) ?? 0
            self.buffer.moveWriterIndex(forwardBy: copied)
        } else {
            let start = self.buffer.writerIndex
            self.buffer.writeJSONString(self.streamType)
            self.buffer.writeStaticString(#","data":"#)
            self.buffer.writeImmutableBuffer(self.data)
            self.buffer.writeStaticString(#","timestamp":"#)
            self.buffer.writeJSONTimestamp(self.timestamp)
            self.buffer.writeInteger(UInt8(ascii: "}"))
            self.tail = start..<self.buffer.writerIndex
        }
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
