/// Prometheus text exposition, parsed into samples: the bench cross-checks its counts against
/// the server's `/metrics` with it, and `/admin/compare` samples the server's own registry.
package struct MetricsText: Sendable {
    /// One sample line: name, labels and value.
    package struct Sample: Hashable, Sendable {
        package var name: String
        package var labels: [String: String]
        package var value: Double
    }

    /// Every sample, in the order of the text.
    package var samples: [Sample]

    /// Parses `text`; comment lines and lines that are not `name{labels} value` are skipped.
    package init(_ text: String) {
        self.samples = text.split(separator: "\n").compactMap(Self.parse(line:))
    }

    /// The sum of every `name` sample whose labels include all of `labels`.
    package func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        self.samples.lazy
            .filter { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }
            .reduce(0) { $0 + $1.value }
    }

    private static func parse(line: Substring) -> Sample? {
        let line = line.trimmingPrefix(while: { $0 == " " })
        guard !line.isEmpty, line.first != "#" else { return nil }
        var labels: [String: String] = [:]
        let name: Substring
        let rest: Substring
        if let brace = line.firstIndex(of: "{") {
            guard let end = line[brace...].lastIndex(of: "}") else { return nil }
            name = line[..<brace]
            labels = Self.parse(labels: line[line.index(after: brace)..<end])
            rest = line[line.index(after: end)...]
        } else {
            guard let space = line.firstIndex(of: " ") else { return nil }
            name = line[..<space]
            rest = line[space...]
        }
        guard let valueText = rest.split(separator: " ").first, let value = Double(valueText) else { return nil }
        return Sample(name: String(name), labels: labels, value: value)
    }

    /// `a="x",b="y"` (values may hold escaped quotes and commas).
    private static func parse(labels text: Substring) -> [String: String] {
        var labels: [String: String] = [:]
        var index = text.startIndex
        while index < text.endIndex {
            guard let equals = text[index...].firstIndex(of: "=") else { break }
            let key = text[index..<equals].trimmingPrefix(while: { $0 == "," || $0 == " " })
            var cursor = text.index(after: equals)
            guard cursor < text.endIndex, text[cursor] == "\"" else { break }
            cursor = text.index(after: cursor)
            var value = ""
            while cursor < text.endIndex, text[cursor] != "\"" {
                if text[cursor] == "\\", text.index(after: cursor) < text.endIndex {
                    cursor = text.index(after: cursor)
                    value.append(text[cursor] == "n" ? "\n" : text[cursor])
                } else {
                    value.append(text[cursor])
                }
                cursor = text.index(after: cursor)
            }
            labels[String(key)] = value
            index = cursor < text.endIndex ? text.index(after: cursor) : cursor
        }
        return labels
    }
}
