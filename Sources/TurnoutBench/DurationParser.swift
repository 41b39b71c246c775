/// Parses durations written as `500ms`, `10s`, `2m` or a bare number of seconds.
package enum DurationParser {
    /// - Throws: ``BenchError/invalidOption(_:)`` when the text is not a positive duration.
    package static func parse(_ text: String) throws(BenchError) -> Duration {
        let units: [(suffix: String, scale: Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0 {
                return .milliseconds(Int64((value * scale * 1000).rounded()))
            }
        }
        if let value = Double(text), value > 0 {
            return .milliseconds(Int64((value * 1000).rounded()))
        }
        throw .invalidOption("'\(text)' is not a duration; write e.g. 500ms, 10s or 2m")
    }
}
