/// The end-of-run table: one row per figure, compat and native side by side, and their ratio.
package enum ResultTable {
    /// One formatted row: the figure, each stack's value and the ratio (`–` where missing).
    package struct Row: Hashable, Sendable {
        /// What the row measures, e.g. `msgs/s`.
        package var label: String
        /// compat's value, formatted.
        package var compat: String
        /// native's value, formatted.
        package var native: String
        /// ``ResultTable/ratio(native:compat:)`` of the two.
        package var ratio: String
        /// Whether the figure is the whole process's, the same for both stacks (a split run's
        /// CPU, CPU per message and RSS per connection); ``compat`` and ``native`` then hold
        /// the same text and ``ratio`` is `–`.
        package var isProcessWide = false
    }

    /// Renders the table in Markdown (it reads as plain text too).
    ///
    /// - Parameters:
    ///   - compat: compat's figures, if it ran.
    ///   - native: native's figures, if it ran.
    ///   - audio: include the audio-bytes row (the glasses scenario).
    ///   - traffic: include the msgs/s and latency rows (all but the idle scenario).
    package static func render(compat: StackResult?, native: StackResult?, audio: Bool, traffic: Bool = true) -> String {
        var lines = ["| figure | compat | native | native/compat |", "|---|---:|---:|---:|"]
        for row in Self.rows(compat: compat, native: native, audio: audio, traffic: traffic) {
            lines.append("| \(row.label) | \(row.compat) | \(row.native) | \(row.ratio) |")
        }
        return lines.joined(separator: "\n")
    }

    /// The table's rows, formatted, in order; the Markdown table and the HTML report share them.
    ///
    /// - Parameters:
    ///   - compat: compat's figures, if it ran.
    ///   - native: native's figures, if it ran.
    ///   - audio: include the audio-bytes row (the glasses scenario).
    ///   - traffic: include the msgs/s and latency rows (all but the idle scenario).
    ///   - sharedProcess: both stacks ran in one server, loaded by one bench (a split): server
    ///     CPU, client CPU, CPU per message and RSS per connection become process-wide rows,
    ///     CPU per message over both stacks' messages.
    package static func rows(compat: StackResult?, native: StackResult?, audio: Bool, traffic: Bool = true, sharedProcess: Bool = false) -> [Row] {
        typealias Figure = (label: String, value: (StackResult) -> Double?, format: (Double) -> String)
        var figures: [Figure] = []
        if traffic {
            figures += [
                ("msgs/s", { $0.messagesPerSecond }, { Self.number($0, decimals: 0) }),
                ("p50 latency (µs)", { $0.p50Micros }, { Self.number($0, decimals: 1) }),
                ("p99 latency (µs)", { $0.p99Micros }, { Self.number($0, decimals: 1) }),
                ("p99.9 latency (µs)", { $0.p999Micros }, { Self.number($0, decimals: 1) }),
            ]
        }
        if audio {
            figures.append(("audio bytes/s", { $0.audioBytesPerSecond }, { Self.number($0, decimals: 0) }))
        }
        figures += [
            ("server CPU (% of a core)", { $0.serverCPUPercent }, { Self.number($0, decimals: 1) }),
            ("client CPU (% of a core)", { $0.clientCPUPercent }, { Self.number($0, decimals: 1) }),
        ]
        if traffic {
            // Comparable even when the client, not the server, limits msgs/s.
            figures.append(("server CPU per msg (µs)", { $0.serverMicrosPerMessage }, { Self.number($0, decimals: 2) }))
        }
        figures += [
            ("server RSS per connection (KiB)", { $0.rssPerConnectionKiB }, { Self.number($0, decimals: 1) }),
            ("connections", { Double($0.connections) }, { Self.number($0, decimals: 0) }),
            ("errors", { Double($0.errors) }, { Self.number($0, decimals: 0) }),
            ("drops", { Double($0.drops) }, { Self.number($0, decimals: 0) }),
            ("reordered", { Double($0.reordered) }, { Self.number($0, decimals: 0) }),
        ]
        let processWide: [String: Double?] = [
            "server CPU (% of a core)": (compat ?? native)?.serverCPUPercent,
            "client CPU (% of a core)": (compat ?? native)?.clientCPUPercent,
            "server CPU per msg (µs)": Self.serverMicrosPerMessage(compat: compat, native: native),
            "server RSS per connection (KiB)": (compat ?? native)?.rssPerConnectionKiB,
        ]
        return figures.map { figure in
            if sharedProcess, let value = processWide[figure.label] {
                let text = value.map(figure.format) ?? "–"
                return Row(label: figure.label, compat: text, native: text, ratio: "–", isProcessWide: true)
            }
            let c = compat.flatMap(figure.value)
            let n = native.flatMap(figure.value)
            return Row(
                label: figure.label,
                compat: c.map(figure.format) ?? "–",
                native: n.map(figure.format) ?? "–",
                ratio: Self.ratio(native: n, compat: c)
            )
        }
    }

    /// Server CPU per message of both stacks together: the whole process's CPU over every message.
    private static func serverMicrosPerMessage(compat: StackResult?, native: StackResult?) -> Double? {
        let rate = (compat?.messagesPerSecond ?? 0) + (native?.messagesPerSecond ?? 0)
        guard let cpu = (compat ?? native)?.serverCPUPercent, rate > 0 else { return nil }
        return cpu * 10_000 / rate
    }

    /// `native / compat` as `1.23×`; `–` when either is missing or compat is 0.
    package static func ratio(native: Double?, compat: Double?) -> String {
        guard let native, let compat, compat != 0 else { return "–" }
        return Self.number(native / compat, decimals: 2) + "×"
    }

    /// `value` with `decimals` decimals and thousands separated by commas: `12,345.6`.
    package static func number(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        let fraction = Int64(scaled - Double(whole) * scale)
        var digits = String(whole)
        var grouped = ""
        while digits.count > 3 {
            grouped = "," + digits.suffix(3) + grouped
            digits.removeLast(3)
        }
        grouped = digits + grouped
        if decimals > 0 {
            let fractionText = String(fraction)
            grouped += "." + String(repeating: "0", count: decimals - fractionText.count) + fractionText
        }
        return (value < 0 && scaled != 0 ? "-" : "") + grouped
    }
}
