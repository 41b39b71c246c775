/// A configuration file's bytes, with the ``ConfigNode`` positions mapped back onto them.
///
/// Tools that change one value (`turnout flags ramp`) splice new text into the exact bytes of a
/// scalar and leave everything else (comments, blank lines, order, quoting, line endings) as
/// written, rather than re-serialising the file. Lines are counted as the YAML parser counts
/// them (`\n`, `\r\n` or a lone `\r` ends a line) and columns in Unicode scalars, 1-based.
package struct ConfigSourceText: Sendable {
    /// The file's bytes.
    package let bytes: [UInt8]

    /// Wraps the bytes of a file that ``ConfigDocument/parse(_:file:)`` accepted.
    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// The line ending the file uses: `\r\n` when its first line ends so, `\n` otherwise.
    package var lineEnding: [UInt8] {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return [UInt8(ascii: "\n")] }
        return newline > 0 && bytes[newline - 1] == UInt8(ascii: "\r") ? Array("\r\n".utf8) : [UInt8(ascii: "\n")]
    }

    /// The byte offset of a 1-based line and column; `nil` when the file has no such place.
    package func offset(line: Int, column: Int) -> Int? {
        guard line >= 1, column >= 1 else { return nil }
        var index = 0
        var currentLine = 1
        while currentLine < line {
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\n") {
                currentLine += 1
            } else if bytes[index] == UInt8(ascii: "\r") {
                if index + 1 >= bytes.count || bytes[index + 1] != UInt8(ascii: "\n") { currentLine += 1 }
            }
            index += 1
        }
        for _ in 1..<column {
            guard index < bytes.count, bytes[index] != UInt8(ascii: "\n"), bytes[index] != UInt8(ascii: "\r") else { return nil }
            // Step over one UTF-8 encoded scalar: a lead byte and its continuation bytes.
            index += 1
            while index < bytes.count, bytes[index] & 0xC0 == 0x80 { index += 1 }
        }
        return index
    }

    /// The bytes of a plain (unquoted) scalar written on one line, such as `5` in `percentage: 5`.
    ///
    /// - Returns: The range the scalar's text occupies; `nil` for a quoted, block or multi-line
    ///   scalar, a node of another kind, or a node without a position.
    package func byteRange(ofPlainScalar node: ConfigNode) -> Range<Int>? {
        guard case .scalar(let text, isPlain: true) = node.content, !text.isEmpty,
            !text.contains(where: \.isNewline),
            let line = node.line, let column = node.column,
            let start = offset(line: line, column: column)
        else { return nil }
        let end = start + text.utf8.count
        guard end <= bytes.count, bytes[start..<end].elementsEqual(text.utf8) else { return nil }
        return start..<end
    }

    /// The offset of the first byte of the line that holds `offset`.
    package func startOfLine(containing offset: Int) -> Int {
        var index = min(offset, bytes.count)
        while index > 0, bytes[index - 1] != UInt8(ascii: "\n"), bytes[index - 1] != UInt8(ascii: "\r") { index -= 1 }
        return index
    }

    /// The offset just past the line break that ends the line holding `offset`; the end of the
    /// file when that line has no break.
    package func endOfLine(containing offset: Int) -> Int {
        var index = offset
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { return index + 1 }
            if bytes[index] == UInt8(ascii: "\r") {
                return index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n") ? index + 2 : index + 1
            }
            index += 1
        }
        return bytes.count
    }
}
