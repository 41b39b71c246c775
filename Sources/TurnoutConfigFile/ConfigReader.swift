/// Reads typed values out of a ``ConfigNode`` tree and collects every problem it meets.
///
/// A reader never stops at the first problem: each accessor returns `nil` for a bad value and
/// records a located ``ConfigFileError``, so one pass over a file reports all of its mistakes.
/// Schemas (flags.yaml, apps.yaml) are written as plain code on top of these accessors.
package struct ConfigReader {
    /// The file's path as the operator named it; it prefixes every error.
    package let file: String
    /// What has gone wrong so far, in the order it was found.
    package private(set) var errors: [ConfigFileError] = []

    /// Creates a reader for nodes parsed from `file`.
    package init(file: String) {
        self.file = file
    }

    /// Records a problem at a node's position.
    package mutating func report(_ code: ConfigFileError.Code, _ message: String, at node: ConfigNode) {
        errors.append(ConfigFileError(code, file: file, line: node.line ?? 1, column: node.column ?? 1, message: message))
    }

    /// Throws everything recorded so far, if anything was.
    package func throwIfFailed() throws(ConfigFileErrors) {
        if !errors.isEmpty {
            throw ConfigFileErrors(errors)
        }
    }

    // MARK: Mappings

    /// Reads a mapping whose keys must come from `allowedKeys`.
    ///
    /// An unknown key is reported with the closest allowed key as a suggestion, so a typo such as
    /// `percentge` can never silently fall back to a default.
    /// - Parameters:
    ///   - what: How a person would name this mapping in a sentence, e.g. `flag 'native-transport'`.
    package mutating func mapping(_ node: ConfigNode, allowedKeys: [String], what: String) -> ConfigMapping? {
        guard case .mapping(let mapping) = node.content else {
            report(.wrongType, "\(what) must be a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        var entries: [ConfigMapping.Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key, _) = keyNode.content else {
                report(.wrongType, "keys in \(what) must be strings, found \(Self.describe(keyNode))", at: keyNode)
                continue
            }
            guard allowedKeys.contains(key) else {
                var message = "unknown key '\(key)' in \(what)"
                if let suggestion = Self.closest(to: key, in: allowedKeys) {
                    message = "unknown key '\(key)'; did you mean '\(suggestion)'?"
                } else {
                    message += "; expected one of \(allowedKeys.map { "'\($0)'" }.joined(separator: ", "))"
                }
                report(.unknownKey, message, at: keyNode)
                continue
            }
            entries.append(.init(key: key, keyNode: keyNode, value: value))
        }
        return ConfigMapping(node: node, entries: entries)
    }

    /// Reads a mapping whose keys are names chosen by the author (flag names, for instance).
    package mutating func namedMapping(_ node: ConfigNode, what: String) -> ConfigMapping? {
        guard case .mapping(let mapping) = node.content else {
            report(.wrongType, "\(what) must be a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        var entries: [ConfigMapping.Entry] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let name, _) = keyNode.content, !name.isEmpty else {
                report(.wrongType, "names in \(what) must be non-empty strings, found \(Self.describe(keyNode))", at: keyNode)
                continue
            }
            entries.append(.init(key: name, keyNode: keyNode, value: value))
        }
        return ConfigMapping(node: node, entries: entries)
    }

    /// Records a missing required key at `node`: the key that names the mapping, or the mapping itself.
    package mutating func reportMissing(_ key: String, at node: ConfigNode, what: String) {
        report(.missingKey, "\(what) is missing the required key '\(key)'", at: node)
    }

    // MARK: Scalars

    /// Reads a string; an absent value (`key:` with nothing after it) is refused.
    package mutating func string(_ node: ConfigNode, key: String) -> String? {
        guard case .scalar(let text, _) = node.content else {
            report(.wrongType, "'\(key)' must be a string, found \(Self.describe(node))", at: node)
            return nil
        }
        if node.isNull {
            report(.wrongType, "'\(key)' must be a string, found nothing", at: node)
            return nil
        }
        return text
    }

    /// Reads `true` or `false`, and nothing else: YAML 1.1's `yes`, `on` and `1` are refused.
    package mutating func bool(_ node: ConfigNode, key: String) -> Bool? {
        if case .scalar(let text, isPlain: true) = node.content {
            switch text {
            case "true": return true
            case "false": return false
            default: break
            }
        }
        report(.wrongType, "'\(key)' must be true or false, found \(Self.describe(node))", at: node)
        return nil
    }

    /// Reads a whole number written in decimal digits.
    package mutating func integer(_ node: ConfigNode, key: String) -> Int? {
        if case .scalar(let text, isPlain: true) = node.content, let value = Int(text) {
            return value
        }
        report(.wrongType, "'\(key)' must be a whole number, found \(Self.describe(node))", at: node)
        return nil
    }

    /// Reads a plain scalar's text exactly as written, for values with their own syntax
    /// (percentages, durations) that must not pass through floating point.
    package mutating func plainScalar(_ node: ConfigNode, key: String, expected: String) -> String? {
        guard case .scalar(let text, isPlain: true) = node.content, !node.isNull else {
            report(.wrongType, "'\(key)' must be \(expected), found \(Self.describe(node))", at: node)
            return nil
        }
        return text
    }

    /// Reads a duration written as `500ms`, `30s`, `2m` or `1h`.
    package mutating func duration(_ node: ConfigNode, key: String) -> Duration? {
        let expected = "a duration such as 500ms, 30s or 2m"
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            report(.wrongType, "'\(key)' must be \(expected), found \(Self.describe(node))", at: node)
            return nil
        }
        guard let duration = Self.parseDuration(text) else {
            report(.invalidValue, "malformed duration '\(text)' for '\(key)'; write it as 500ms, 30s or 2m", at: node)
            return nil
        }
        return duration
    }

    /// Reads a list of strings; each bad element is reported on its own line.
    package mutating func stringList(_ node: ConfigNode, key: String) -> [(value: String, node: ConfigNode)]? {
        guard case .sequence(let sequence) = node.content else {
            if node.isNull {
                return []
            }
            report(.wrongType, "'\(key)' must be a list, found \(Self.describe(node))", at: node)
            return nil
        }
        var values: [(value: String, node: ConfigNode)] = []
        for element in sequence {
            if let value = string(element, key: "\(key)[]") {
                values.append((value, element))
            }
        }
        return values
    }

    // MARK: Helpers

    /// Parses `500ms`, `30s`, `2m` or `1h` into a `Duration`.
    package static func parseDuration(_ text: String) -> Duration? {
        let units: [(suffix: String, make: (Int64) -> Duration)] = [
            ("ms", { .milliseconds($0) }),
            ("s", { .seconds($0) }),
            ("m", { .seconds($0 * 60) }),
            ("h", { .seconds($0 * 3600) }),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let digits = text.dropLast(unit.suffix.count)
            guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let value = Int64(digits), value >= 0 else {
                return nil
            }
            return unit.make(value)
        }
        return nil
    }

    /// Writes a duration the way config files spell it: `2m`, `30s`, `500ms`.
    package static func formatDuration(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        if milliseconds % 1000 != 0 { return "\(milliseconds)ms" }
        if seconds % 3600 == 0 && seconds > 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 && seconds > 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// How a node reads in an error message: `a list`, `a mapping`, `'yes'`.
    package static func describe(_ node: ConfigNode) -> String {
        switch node.content {
        case .scalar(let text, _):
            if node.isNull {
                return "nothing"
            }
            let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
            return "'\(shown)'"
        case .mapping:
            return "a mapping"
        case .sequence:
            return "a list"
        case .alias:
            return "an alias"
        }
    }

    /// The allowed key closest to a misspelt one, if it is close enough to be the likely intent.
    package static func closest(to key: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let limit = max(1, min(3, best.0.count / 3))
        return best.1 <= limit ? best.0 : nil
    }

    /// Levenshtein distance over characters.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// The entries of a mapping that passed key checking, in file order.
package struct ConfigMapping {
    /// One key and its value, with the key's node kept for error positions.
    package struct Entry {
        package var key: String
        package var keyNode: ConfigNode
        package var value: ConfigNode
    }

    /// The mapping node itself, where errors about missing keys are reported.
    package var node: ConfigNode
    /// The entries in file order.
    package var entries: [Entry]

    /// The value for `key`, if present.
    package subscript(key: String) -> ConfigNode? {
        entries.first { $0.key == key }?.value
    }
}
