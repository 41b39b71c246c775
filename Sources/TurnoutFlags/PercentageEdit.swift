package import TurnoutConfigFile

/// flags.yaml with one flag's `percentage` changed in place, byte for byte everywhere else.
///
/// The new number replaces exactly the bytes of the old scalar, found from the parser's position
/// of the node, so comments, blank lines, key order, quoting and line endings stay as written;
/// the file is never re-serialised. A flag without a `percentage` key gets one, as its first
/// key, at the indentation of its other keys.
package struct PercentageEdit: Sendable {
    /// The file's new bytes.
    package var bytes: [UInt8]
    /// Whether the key was missing and was inserted rather than replaced.
    package var inserted: Bool
    /// The 1-based line the percentage is on in the new file.
    package var line: Int

    /// Sets `percentage` of the flag `flag` in `bytes`, read from `file`.
    ///
    /// Only the YAML structure is needed, not a valid schema: the caller validates the result.
    /// - Throws: ``ConfigFileErrors``, located: the YAML does not parse, the flag is not in the
    ///   file, or the value or the flag is written in a way that cannot be edited in place (a
    ///   quoted or multi-line percentage, a flow mapping `{…}` without the key).
    package init(setting percentage: Percentage, ofFlag flag: String, in bytes: [UInt8], file: String) throws(ConfigFileErrors) {
        let root = try ConfigDocument.parse(bytes, file: file)
        let source = ConfigSourceText(bytes)
        func failure(_ code: ConfigFileError.Code, _ message: String, at node: ConfigNode) -> ConfigFileErrors {
            ConfigFileErrors([ConfigFileError(code, file: file, line: node.line ?? 1, column: node.column ?? 1, message: message)])
        }
        guard let flags = Self.value(of: "flags", in: root), case .mapping = flags.content else {
            throw failure(.missingKey, "the file has no 'flags' mapping to hold flag '\(flag)'", at: root)
        }
        guard case .mapping(let entries) = flags.content, let entry = entries.first(where: { Self.isKey($0.key, flag) }) else {
            throw failure(.missingKey, "there is no flag '\(flag)' under 'flags'; add it by hand first", at: flags)
        }
        let text = Array(percentage.description.utf8)
        if let value = Self.value(of: "percentage", in: entry.value) {
            guard let range = source.byteRange(ofPlainScalar: value) else {
                throw failure(.wrongType, "'percentage' of flag '\(flag)' is not a plain number on one line; cannot edit it in place", at: value)
            }
            self.bytes = Array(bytes[..<range.lowerBound]) + text + Array(bytes[range.upperBound...])
            self.inserted = false
            self.line = value.line ?? 1
            return
        }
        let keyText = Array("percentage: ".utf8)
        if case .mapping(let fields) = entry.value.content {
            // A block mapping: its first key starts a line, after nothing but its indentation.
            guard let first = fields.first?.key, let firstLine = first.line, let column = first.column, firstLine != entry.key.line,
                let offset = source.offset(line: firstLine, column: column),
                bytes[source.startOfLine(containing: offset)..<offset].allSatisfy({ $0 == UInt8(ascii: " ") })
            else {
                throw failure(.missingKey, "flag '\(flag)' is written as a flow mapping without 'percentage'; add the key by hand", at: entry.value)
            }
            let start = source.startOfLine(containing: offset)
            let line = Array(repeating: UInt8(ascii: " "), count: column - 1) + keyText + text + source.lineEnding
            self.bytes = Array(bytes[..<start]) + line + Array(bytes[start...])
            self.inserted = true
            self.line = firstLine
            return
        }
        guard entry.value.isNull, let keyLine = entry.key.line, let keyColumn = entry.key.column,
            let keyOffset = source.offset(line: keyLine, column: keyColumn)
        else {
            throw failure(.wrongType, "flag '\(flag)' must be a mapping to take a 'percentage'", at: entry.value)
        }
        var end = source.endOfLine(containing: keyOffset)
        var prefix = Array(bytes[..<end])
        if end == bytes.count, let last = bytes.last, last != UInt8(ascii: "\n"), last != UInt8(ascii: "\r") {
            prefix += source.lineEnding
            end = bytes.count
        }
        let line = Array(repeating: UInt8(ascii: " "), count: keyColumn + 1) + keyText + text + source.lineEnding
        self.bytes = prefix + line + Array(bytes[end...])
        self.inserted = true
        self.line = keyLine + 1
    }

    private static func isKey(_ node: ConfigNode, _ name: String) -> Bool {
        if case .scalar(let text, _) = node.content { return text == name }
        return false
    }

    private static func value(of key: String, in node: ConfigNode) -> ConfigNode? {
        guard case .mapping(let entries) = node.content else { return nil }
        return entries.first { isKey($0.key, key) }?.value
    }
}
