import NIOCore

/// Validates UTF-8 across chunk boundaries, so a text message can be rejected at its first bad
/// fragment instead of after the last one.
///
/// Follows the well-formed byte sequences of Unicode 15, table 3-7 (no overlong forms, no
/// surrogates, nothing above U+10FFFF). A sequence split between two chunks is carried over.
struct IncrementalUTF8Validator: Sendable {
    /// Continuation bytes still expected for the current scalar.
    private var remaining: UInt8 = 0
    /// Bounds for the next continuation byte (narrower than 0x80...0xBF after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    init() {}

    /// Whether the bytes so far end on a scalar boundary, so a final fragment may end here.
    var isComplete: Bool { self.remaining == 0 }

    /// Feeds the next chunk of a message.
    ///
    /// - Returns: `false` as soon as the bytes cannot be the start of valid UTF-8; the validator is
    ///   then in an undefined state and must be reset.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            if self.remaining == 0 {
                // Fast path: skip ASCII eight bytes at a time.
                while index + 8 <= count {
                    let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    index += 8
                }
                if index == count { break }
                let byte = bytes[index]
                index += 1
                switch byte {
                case 0x00...0x7F:
                    continue
                case 0xC2...0xDF:
                    self.expect(1, 0x80, 0xBF)
                case 0xE0:
                    self.expect(2, 0xA0, 0xBF)
                case 0xE1...0xEC, 0xEE...0xEF:
                    self.expect(2, 0x80, 0xBF)
                case 0xED:
                    self.expect(2, 0x80, 0x9F)
                case 0xF0:
                    self.expect(3, 0x90, 0xBF)
                case 0xF1...0xF3:
                    self.expect(3, 0x80, 0xBF)
                case 0xF4:
                    self.expect(3, 0x80, 0x8F)
                default:
                    return false
                }
            } else {
                let byte = bytes[index]
                index += 1
                guard byte >= self.lower, byte <= self.upper else { return false }
                self.expect(self.remaining - 1, 0x80, 0xBF)
            }
        }
        return true
    }

    /// Feeds the readable bytes of a buffer; see ``feed(_:)-(UnsafeRawBufferPointer)``.
    mutating func feed(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { self.feed($0) }
    }

    /// Forgets any partial scalar, for the next message.
    mutating func reset() {
        self.expect(0, 0x80, 0xBF)
    }

    private mutating func expect(_ remaining: UInt8, _ lower: UInt8, _ upper: UInt8) {
        self.remaining = remaining
        self.lower = lower
        self.upper = upper
    }
}
