package import NIOCore

extension ByteBuffer {
    /// Writes `value` as a JSON string literal, quotes included.
    ///
    /// Escapes exactly what JavaScript's `JSON.stringify` escapes: `"` and `\`, the short forms
    /// `\b \f \n \r \t`, and every other control character below U+0020 as `\u00xx`.
    /// Everything else, non-ASCII included, is written as UTF-8 unchanged.
    package mutating func writeJSONString(_ value: String) {
        self.writeInteger(UInt8(ascii: "\""))
        self.writeJSONStringContents(value)
        self.writeInteger(UInt8(ascii: "\""))
    }

    /// Writes the escaped contents of a JSON string literal, without quotes.
    mutating func writeJSONStringContents(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if index > start {
                    self.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[start..<index])))
                }
                self.writeJSONEscape(byte)
                start = index + 1
            }
            if start < utf8.count {
                self.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[start..<utf8.count])))
            }
        }
    }

    private mutating func writeJSONEscape(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): self.writeStaticString("\\\"")
        case UInt8(ascii: "\\"): self.writeStaticString("\\\\")
        case 0x08: self.writeStaticString("\\b")
        case 0x0C: self.writeStaticString("\\f")
        case 0x0A: self.writeStaticString("\\n")
        case 0x0D: self.writeStaticString("\\r")
        case 0x09: self.writeStaticString("\\t")
        default:
            let hex: StaticString = "0123456789abcdef"
            self.writeStaticString("\\u00")
            self.writeInteger(hex.utf8Start[Int(byte >> 4)])
            self.writeInteger(hex.utf8Start[Int(byte & 0x0F)])
        }
    }

    /// Writes a timestamp as an ISO-8601 JSON string with milliseconds, quotes included: `"2026-11-28T06:00:00.000Z"`.
    package mutating func writeJSONTimestamp(_ timestamp: Timestamp) {
        self.writeInteger(UInt8(ascii: "\""))
        timestamp.write(to: &self)
        self.writeInteger(UInt8(ascii: "\""))
    }
}
