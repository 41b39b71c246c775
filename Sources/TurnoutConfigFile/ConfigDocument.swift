import Yams

/// Turns a configuration file's bytes into a ``ConfigNode`` tree, or into located errors.
///
/// Everything that can go wrong before a schema is applied is caught here with a line and
/// column: bytes that are not UTF-8, an empty file, tabs used for indentation, duplicate
/// keys and plain syntax errors. Nothing in a file can make it crash. The YAML library (Yams)
/// is used here and nowhere else: callers see only ``ConfigNode``.
package enum ConfigDocument {
    /// Parses `bytes` read from `file`.
    ///
    /// - Returns: The root node of the single YAML document.
    /// - Throws: ``ConfigFileErrors`` with at least one located error.
    package static func parse(_ bytes: [UInt8], file: String) throws(ConfigFileErrors) -> ConfigNode {
        let text: String
        switch String(validating: bytes, as: UTF8.self) {
        case .some(let valid):
            text = valid
        case .none:
            let (line, column) = locationOfFirstInvalidUTF8(in: bytes)
            throw ConfigFileErrors([
                ConfigFileError(
                    .encoding,
                    file: file,
                    line: line,
                    column: column,
                    message: "the file is not valid UTF-8; save it as UTF-8"
                )
            ])
        }
        if text.unicodeScalars.allSatisfy({ $0.properties.isWhitespace }) || isOnlyComments(text) {
            throw ConfigFileErrors([
                ConfigFileError(.syntax, file: file, line: 1, column: 1, message: "the file is empty; expected a YAML mapping")
            ])
        }
        do {
            guard let root = try Yams.compose(yaml: text) else {
                throw ConfigFileErrors([
                    ConfigFileError(.syntax, file: file, line: 1, column: 1, message: "the file is empty; expected a YAML mapping")
                ])
            }
            return ConfigNode(root)
        } catch let error as ConfigFileErrors {
            throw error
        } catch let error as YamlError {
            throw ConfigFileErrors([located(error, text: text, file: file)])
        } catch {
            throw ConfigFileErrors([ConfigFileError(.syntax, file: file, line: 1, column: 1, message: "\(error)")])
        }
    }

    private static func isOnlyComments(_ text: String) -> Bool {
        text.split(whereSeparator: \.isNewline).allSatisfy { line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            return trimmed.isEmpty || trimmed.first == "#" || trimmed == "---" || trimmed == "..."
        }
    }

    private static func located(_ error: YamlError, text: String, file: String) -> ConfigFileError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            if character(in: text, at: mark) == "\t" || (problem.contains("tab") && !problem.isEmpty) {
                return ConfigFileError(
                    .syntax,
                    file: file,
                    line: mark.line,
                    column: mark.column,
                    message: "tab character where YAML expects spaces; indent with spaces"
                )
            }
            return ConfigFileError(.syntax, file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? "?"
            let second = secondOccurrence(of: key, after: context.mark, in: text) ?? (context.mark.line, context.mark.column)
            return ConfigFileError(
                .duplicateKey,
                file: file,
                line: second.line,
                column: second.column,
                message: "duplicate key '\(key)' (first at line \(context.mark.line))"
            )
        case .reader(let problem, _, _, _):
            return ConfigFileError(.encoding, file: file, line: 1, column: 1, message: "unreadable YAML: \(problem)")
        default:
            return ConfigFileError(.syntax, file: file, line: 1, column: 1, message: "YAML error: \(error)")
        }
    }

    /// The character at a libyaml mark, if the mark lies inside the text.
    private static func character(in text: String, at mark: Mark) -> Unicode.Scalar? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        guard mark.column >= 1, mark.column <= scalars.count else { return nil }
        return scalars[mark.column - 1]
    }

    /// Yams reports a duplicate at its first occurrence; the repeat, at the same indentation
    /// further down, is the line a person needs to edit.
    private static func secondOccurrence(of key: String, after first: Mark, in text: String) -> (line: Int, column: Int)? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let indent = first.column - 1
        let prefixes = ["\(key):", "\"\(key)\":", "'\(key)':"]
        for index in first.line..<lines.count {
            let line = Substring(lines[index])
            let leading = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(leading)
            if leading < indent && !rest.isEmpty && rest.first != "#" {
                return nil
            }
            if leading == indent, prefixes.contains(where: { rest.hasPrefix($0) }) {
                return (index + 1, indent + 1)
            }
        }
        return nil
    }

    /// Finds the first byte that breaks UTF-8 and says where it is, counting columns in characters.
    private static func locationOfFirstInvalidUTF8(in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        var index = 0
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var consumed = 0
        loop: while true {
            let before = consumed
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                consumed += UTF8.width(scalar)
                if scalar == "\n" {
                    line += 1
                    lineStart = consumed
                }
            case .emptyInput:
                break loop
            case .error:
                index = before
                break loop
            }
        }
        let column = String(decoding: bytes[lineStart..<max(lineStart, index)], as: UTF8.self).unicodeScalars.count + 1
        return (line, column)
    }
}
