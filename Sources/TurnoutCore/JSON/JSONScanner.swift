import NIOCore

/// A forward-only validating scanner over UTF-8 bytes.
///
/// Used only inside `withUnsafeReadableBytes`, so the pointer never escapes.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { self.index >= self.bytes.count }

    func peek() -> UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x0A, 0x0D, 0x09: self.index += 1
            default: return
            }
        }
    }

    mutating func expect(_ byte: UInt8) throws(JSONScanError) {
        guard self.peek() == byte else {
            throw .invalid("expected '\(Character(Unicode.Scalar(byte)))' at offset \(self.index)")
        }
        self.index += 1
    }

    /// Scans one value starting at the current index (after whitespace) and returns its kind.
    mutating func scanValue(depth: Int) throws(JSONScanError) -> JSONKind {
        self.skipWhitespace()
        guard let byte = self.peek() else { throw .invalid("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"):
            _ = try self.scanObject(depth: depth + 1, recording: .nothing)
            return .object
        case UInt8(ascii: "["):
            try self.scanArray(depth: depth + 1)
            return .array
        case UInt8(ascii: "\""):
            try self.scanString()
            return .string
        case UInt8(ascii: "t"):
            try self.scanLiteral("true")
            return .bool
        case UInt8(ascii: "f"):
            try self.scanLiteral("false")
            return .bool
        case UInt8(ascii: "n"):
            try self.scanLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try self.scanNumber()
            return .number
        default:
            throw .invalid("unexpected byte at offset \(self.index)")
        }
    }

    /// Scans an object starting at `{` and records its own members as asked.
    mutating func scanObject(depth: Int, recording: JSONMemberRecording) throws(JSONScanError) -> JSONObjectScan {
        guard depth <= RawJSONObject.maximumDepth else { throw .invalid("nesting deeper than \(RawJSONObject.maximumDepth)") }
        try self.expect(UInt8(ascii: "{"))
        var scan = JSONObjectScan()
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "}") {
            self.index += 1
            return scan
        }
        while true {
            self.skipWhitespace()
            let keyStart = self.index
            guard self.peek() == UInt8(ascii: "\"") else { throw .invalid("expected a member name at offset \(self.index)") }
            try self.scanString()
            let keyEnd = self.index
            self.skipWhitespace()
            try self.expect(UInt8(ascii: ":"))
            self.skipWhitespace()
            let valueStart = self.index
            let kind = try self.scanValue(depth: depth)
            switch recording {
            case .nothing:
                break
            case .everything:
                let key = Self.decodeString(UnsafeRawBufferPointer(rebasing: self.bytes[keyStart..<keyEnd]))
                scan.members.append(.init(key: key, kind: kind, range: valueStart..<self.index))
            case .typeOnly:
                if self.isTypeKey(keyStart..<keyEnd) {
                    // Later duplicates win, as in ``RawJSONObject/member(_:)``.
                    scan.type = (kind, valueStart..<self.index)
                }
            }
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","):
                self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return scan
            default:
                throw .invalid("expected ',' or '}' at offset \(self.index)")
            }
        }
    }

    /// Whether the key literal at `range` (quotes included) decodes to `type`.
    private func isTypeKey(_ range: Range<Int>) -> Bool {
        let literal = UnsafeRawBufferPointer(rebasing: self.bytes[range])
        // Byte compares: a generic `elementsEqual` against a String's UTF-8 view costs more
        // than the rest of the key's scan.
        if literal.count == 6, literal[1] == UInt8(ascii: "t"), literal[2] == UInt8(ascii: "y"), literal[3] == UInt8(ascii: "p"),
            literal[4] == UInt8(ascii: "e")
        {
            return true
        }
        // Only an escaped spelling such as "t\u0079pe" can still decode to `type`.
        guard literal.count > 6, literal.contains(UInt8(ascii: "\\")) else { return false }
        return Self.decodeString(literal) == "type"
    }

    mutating func scanArray(depth: Int) throws(JSONScanError) {
        guard depth <= RawJSONObject.maximumDepth else { throw .invalid("nesting deeper than \(RawJSONObject.maximumDepth)") }
        try self.expect(UInt8(ascii: "["))
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") {
            self.index += 1
            return
        }
        while true {
            _ = try self.scanValue(depth: depth)
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","):
                self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return
            default:
                throw .invalid("expected ',' or ']' at offset \(self.index)")
            }
        }
    }

    /// Lists the elements of an already validated array starting at `[`.
    mutating func scanArrayElements() throws(JSONScanError) -> [(kind: JSONKind, range: Range<Int>)] {
        try self.expect(UInt8(ascii: "["))
        var elements: [(kind: JSONKind, range: Range<Int>)] = []
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") { return elements }
        while true {
            self.skipWhitespace()
            let start = self.index
            let kind = try self.scanValue(depth: 1)
            elements.append((kind, start..<self.index))
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","): self.index += 1
            default: return elements
            }
        }
    }

    mutating func scanString() throws(JSONScanError) {
        try self.expect(UInt8(ascii: "\""))
        while self.index < self.bytes.count {
            // Skip plain bytes in a tight loop on a local index: most of a message is string
            // contents, and this is the scanner's hottest loop.
            let bytes = self.bytes
            let end = bytes.count
            var plain = self.index
            while plain < end {
                let byte = bytes.load(fromByteOffset: plain, as: UInt8.self)
                guard byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") else { break }
                plain &+= 1
            }
            self.index = plain
            guard plain < self.bytes.count else { break }
            let byte = self.bytes[plain]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                return
            case UInt8(ascii: "\\"):
                self.index += 1
                guard let escaped = self.peek() else { throw .invalid("unterminated escape") }
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    self.index += 1
                case UInt8(ascii: "u"):
                    self.index += 1
                    for _ in 0..<4 {
                        guard let hex = self.peek(), Self.hexValue(hex) != nil else {
                            throw .invalid("invalid \\u escape at offset \(self.index)")
                        }
                        self.index += 1
                    }
                default:
                    throw .invalid("invalid escape at offset \(self.index)")
                }
            case 0x00..<0x20:
                throw .invalid("control character in string at offset \(self.index)")
            default:
                self.index += 1
            }
        }
        throw .invalid("unterminated string")
    }

    mutating func scanNumber() throws(JSONScanError) {
        if self.peek() == UInt8(ascii: "-") { self.index += 1 }
        guard let first = self.peek(), Self.isDigit(first) else { throw .invalid("invalid number at offset \(self.index)") }
        self.index += 1
        if first != UInt8(ascii: "0") {
            self.skipDigits()
        }
        if self.peek() == UInt8(ascii: ".") {
            self.index += 1
            guard let digit = self.peek(), Self.isDigit(digit) else { throw .invalid("invalid fraction at offset \(self.index)") }
            self.skipDigits()
        }
        if let exponent = self.peek(), exponent == UInt8(ascii: "e") || exponent == UInt8(ascii: "E") {
            self.index += 1
            if let sign = self.peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { self.index += 1 }
            guard let digit = self.peek(), Self.isDigit(digit) else { throw .invalid("invalid exponent at offset \(self.index)") }
            self.skipDigits()
        }
    }

    mutating func skipDigits() {
        while let byte = self.peek(), Self.isDigit(byte) { self.index += 1 }
    }

    mutating func scanLiteral(_ literal: StaticString) throws(JSONScanError) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw .invalid("invalid literal at offset \(self.index)") }
        let pointer = literal.utf8Start
        for offset in 0..<count where self.bytes[self.index + offset] != pointer[offset] {
            throw .invalid("invalid literal at offset \(self.index)")
        }
        self.index += count
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Decodes a validated JSON string literal, quotes included. Lone surrogates become U+FFFD.
    static func decodeString(_ literal: UnsafeRawBufferPointer) -> String {
        let body = UnsafeRawBufferPointer(rebasing: literal.dropFirst().dropLast())
        guard body.contains(UInt8(ascii: "\\")) else {
            return String(decoding: body, as: UTF8.self)
        }
        var utf16: [UInt16] = []
        var output: [UInt8] = []
        output.reserveCapacity(body.count)
        var index = 0

        func flushUTF16() {
            guard !utf16.isEmpty else { return }
            var iterator = utf16.makeIterator()
            var decoder = Unicode.UTF16()
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let scalar): Unicode.UTF8.encode(scalar) { output.append($0) }
                case .emptyInput: break loop
                case .error: Unicode.UTF8.encode("\u{FFFD}") { output.append($0) }
                }
            }
            utf16.removeAll(keepingCapacity: true)
        }

        while index < body.count {
            let byte = body[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < body.count else {
                flushUTF16()
                output.append(byte)
                index += 1
                continue
            }
            let escaped = body[index + 1]
            if escaped == UInt8(ascii: "u"), index + 5 < body.count {
                var unit: UInt16 = 0
                for offset in 2...5 { unit = unit << 4 | (hexValue(body[index + offset]) ?? 0) }
                utf16.append(unit)
                index += 6
                continue
            }
            flushUTF16()
            switch escaped {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            default: output.append(escaped)
            }
            index += 2
        }
        flushUTF16()
        return String(decoding: output, as: UTF8.self)
    }
}
