/// A fuzz input read as a byte stream and the chunking it arrives in, so that libFuzzer explores
/// how reads split a stream as well as the stream itself.
///
/// Layout: the first byte's low 3 bits give `n`, the number of chunk-size bytes that follow; each
/// of those is a chunk length minus one (1…256 bytes), used in turn and repeated until the stream
/// ends or ``maximumChunks`` chunks were cut, when the rest is one chunk. `n == 0` delivers the
/// stream in one chunk: seeds start with `0x00`, or `0x01 0x00` for one byte at a time.
struct ChunkedInput {
    /// The most chunks one input is cut into: every read costs a trip through a channel, and
    /// thousands of one-byte reads would make an input slow without reaching new code.
    static let maximumChunks = 64

    /// The bytes after the chunking prefix.
    let stream: [UInt8]
    /// The chunk lengths, cycled; empty for one chunk.
    let chunkLengths: [Int]

    /// Splits `bytes` into the chunking prefix and the stream.
    init(_ bytes: [UInt8]) {
        guard let first = bytes.first else {
            self.stream = []
            self.chunkLengths = []
            return
        }
        let prefixEnd = min(bytes.count, 1 + Int(first & 0x07))
        self.chunkLengths = bytes[1..<prefixEnd].map { Int($0) + 1 }
        self.stream = Array(bytes[prefixEnd...])
    }

    /// The stream cut into its chunks, in order.
    var chunks: [ArraySlice<UInt8>] {
        guard !self.chunkLengths.isEmpty else { return [self.stream[...]] }
        var chunks: [ArraySlice<UInt8>] = []
        var start = 0
        var next = 0
        while start < self.stream.count {
            let length = next < Self.maximumChunks - 1 ? self.chunkLengths[next % self.chunkLengths.count] : self.stream.count
            let end = min(self.stream.count, start + length)
            chunks.append(self.stream[start..<end])
            start = end
            next += 1
        }
        return chunks
    }
}
