package import Foundation

/// `--report FILE.html`: the run as one self-contained HTML page — the side-by-side table, the
/// stacks' latency CDFs on one chart and throughput bars, drawn as inline SVG. No external
/// assets, no JavaScript.
///
/// Every function is pure: same report and date, same text. All text from the report is
/// escaped with ``escape(_:)``.
package enum HTMLReport {
    /// The page for `report`.
    ///
    /// - Parameters:
    ///   - report: The run's results.
    ///   - date: When the run finished; shown in the title as ISO 8601 UTC.
    /// - Returns: A complete HTML document.
    package static func render(_ report: BenchReport, date: Date) -> String {
        let when = date.ISO8601Format()
        let title = "turnout bench: \(report.scenario.rawValue), stack \(report.plan)"
        var body: [String] = [
            "<h1>\(Self.escape(title))</h1>",
            "<p class=\"meta\">\(Self.escape(report.parameters)) · "
                + "\(Self.escape(ResultTable.number(report.secondsPerMeasurement, decimals: 1))) s per measurement · "
                + "\(report.measurements.count) measurement(s) · \(Self.escape(when))</p>",
            "<p class=\"verdict \(report.isClean ? "clean" : "failed")\">"
                + (report.isClean
                    ? "Clean: no loss, reordering, errors or /metrics mismatch." : "FAILED: loss, reordering, errors or a /metrics mismatch.")
                + "</p>",
        ]
        if let split = report.split {
            body.append("<p class=\"verdict \(split.isWithinTolerance ? "clean" : "failed")\">\(Self.escape(split.summary))</p>")
        }
        if let ramp = report.ramp {
            body.append(Self.rampSection(ramp, soak: report.soak))
        }
        body += [
            "<h2>Side by side</h2>",
            Self.table(report),
        ]
        // A split's shared process is explained under the table, beside the rows it concerns.
        let warnings = report.warnings.filter { !(report.sharesOneProcess && $0 == BenchReport.sharedProcessWarning) }
        let problems = warnings.map { "warning: " + $0 } + report.summary.flatMap { $0.metricsMismatches.map { "error: /metrics: " + $0 } }
        if !problems.isEmpty {
            body.append("<ul class=\"notes\">" + problems.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>")
        }
        // Idle carries no traffic: no latency, no throughput.
        if report.scenario != .idle {
            body.append("<h2>Latency CDF</h2>")
            body.append("<p class=\"meta\">Latency (µs, log scale) at each percentile; the percentile axis is logarithmic in 1 − p.</p>")
            let curves = report.summary.filter { !$0.latencyCDF.isEmpty }
            if !curves.isEmpty {
                let names = curves.map(\.stack.rawValue).joined(separator: " and ")
                body.append("<figure>\(Self.cdfChart(curves))<figcaption>\(Self.escape(names)) on one chart</figcaption></figure>")
            }
            body.append("<h2>Throughput</h2>")
            body.append("<figure>\(Self.throughputChart(report.summary))<figcaption>msgs/s (median)</figcaption></figure>")
        }
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(Self.escape(title)) · \(Self.escape(when))</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    /// A ramp's (or a soak's) steps as a table, then its totals and every failure.
    package static func rampSection(_ ramp: RampResult, soak: SoakVerdict?) -> String {
        func ms(_ value: Double?) -> String { value.map { ResultTable.number($0, decimals: 0) } ?? "–" }
        var rows = [
            "<tr><th>step</th><th>%</th><th>native share</th><th>connections</th><th>moved</th><th>not moved</th><th>move max (ms)</th><th>move p50 (ms)</th></tr>"
        ]
        for step in ramp.steps {
            let failed = step.failures.isEmpty ? "" : " class=\"failed\""
            rows.append(
                "<tr\(failed)><td>\(step.step)</td><td>\(step.percent)</td><td>\(ResultTable.number(step.nativeSharePercent, decimals: 1)) %</td>"
                    + "<td>\(step.connections)</td><td>\(step.movedConnections)</td><td>\(step.unmovedConnections)</td>"
                    + "<td>\(ms(step.moveMaxMs))</td><td>\(ms(step.moveP50Ms))</td></tr>"
            )
        }
        let lines = RampSummary.lines(ramp).filter { !$0.hasPrefix("step ") } + (soak?.lines ?? [])
        return "<h2>\(soak == nil ? "Ramp" : "Soak")</h2>\n<table>\(rows.joined())</table>\n<ul class=\"notes\">"
            + lines.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>"
    }

    /// The note under a split run's table, for the rows marked `*`.
    package static let processWideNote =
        "* One figure for both stacks: in a split run one server process serves both stacks and one bench process loads them, "
        + "so CPU and RSS are measured for the whole process and cannot be divided between the stacks. CPU per message is the "
        + "process's CPU over both stacks' messages; RSS per connection is its growth over both stacks' connections."

    /// The table of ``BenchReport/summary``: the same rows as the terminal table; in a split
    /// run the process-wide rows span both stacks' columns, with a note saying why.
    package static func table(_ report: BenchReport) -> String {
        let rows = ResultTable.rows(
            compat: report.summary.first { $0.stack == .compat },
            native: report.summary.first { $0.stack == .native },
            audio: report.scenario == .glasses,
            traffic: report.scenario != .idle,
            sharedProcess: report.sharesOneProcess
        )
        var lines = ["<table>", "<tr><th>figure</th><th>compat</th><th>native</th><th>native/compat</th></tr>"]
        for row in rows {
            if row.isProcessWide {
                lines.append(
                    "<tr class=\"process\"><td>\(Self.escape(row.label)) *</td>"
                        + "<td colspan=\"2\">\(Self.escape(row.compat))</td><td>\(Self.escape(row.ratio))</td></tr>"
                )
            } else {
                lines.append(
                    "<tr><td>\(Self.escape(row.label))</td><td>\(Self.escape(row.compat))</td>"
                        + "<td>\(Self.escape(row.native))</td><td>\(Self.escape(row.ratio))</td></tr>"
                )
            }
        }
        lines.append("</table>")
        if rows.contains(where: \.isProcessWide) {
            lines.append("<p class=\"note\">\(Self.escape(Self.processWideNote))</p>")
        }
        return lines.joined(separator: "\n")
    }

    /// The stacks' latency CDFs on one SVG chart, one line each, so the eye compares them: x is
    /// `-log10(1 - p/100)` (p0 at 0, p99.99 at 4), y is latency on a log scale, and a legend
    /// names each line.
    ///
    /// - Parameters:
    ///   - results: The stacks' figures; each ``StackResult/latencyCDF`` is one line.
    ///   - decades: The y axis as powers of ten, e.g. `(2, 4)` for 100 µs to 10 ms; by default
    ///     the powers enclosing every curve.
    package static func cdfChart(_ results: [StackResult], decades: (low: Double, high: Double)? = nil) -> String {
        let width = 640.0
        let height = 320.0
        let left = 70.0
        let right = 20.0
        let top = 20.0
        let bottom = 40.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let curves = results.map { result in (result, result.latencyCDF.filter { $0.percentile >= 0 && $0.percentile < 100 }) }
        let (low, high) = decades ?? Self.decades(curves.flatMap { $0.1.map(\.micros) })
        let maxX = max(4, curves.flatMap { $0.1.map { Self.percentileX($0.percentile) } }.max() ?? 4)
        func x(_ percentile: Double) -> Double { left + plotWidth * Self.percentileX(percentile) / maxX }
        func y(_ micros: Double) -> Double { top + plotHeight * (1 - (log10(max(micros, 0.1)) - low) / (high - low)) }

        let names = results.map(\.stack.rawValue).joined(separator: " and ")
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.coordinate(width))\" height=\"\(Self.coordinate(height))\" "
                + "viewBox=\"0 0 \(Self.coordinate(width)) \(Self.coordinate(height))\" role=\"img\" "
                + "aria-label=\"\(Self.escape(names)) latency CDF\">",
            "<rect x=\"\(Self.coordinate(left))\" y=\"\(Self.coordinate(top))\" width=\"\(Self.coordinate(plotWidth))\" "
                + "height=\"\(Self.coordinate(plotHeight))\" class=\"plot\"/>",
        ]
        for (tick, label) in [(0.0, "p0"), (90, "p90"), (99, "p99"), (99.9, "p99.9"), (99.99, "p99.99")] {
            let at = Self.coordinate(x(tick))
            parts.append(
                "<line x1=\"\(at)\" y1=\"\(Self.coordinate(top))\" x2=\"\(at)\" y2=\"\(Self.coordinate(top + plotHeight))\" class=\"grid\"/>"
            )
            parts.append("<text x=\"\(at)\" y=\"\(Self.coordinate(height - 20))\" text-anchor=\"middle\">\(label)</text>")
        }
        var power = low
        while power <= high {
            let at = Self.coordinate(top + plotHeight * (1 - (power - low) / (high - low)))
            let micros = pow(10, power)
            parts.append(
                "<line x1=\"\(Self.coordinate(left))\" y1=\"\(at)\" x2=\"\(Self.coordinate(left + plotWidth))\" y2=\"\(at)\" class=\"grid\"/>"
            )
            parts.append(
                "<text x=\"\(Self.coordinate(left - 6))\" y=\"\(at)\" text-anchor=\"end\" dominant-baseline=\"middle\">"
                    + "\(Self.escape(ResultTable.number(micros, decimals: micros < 1 ? 1 : 0)))</text>"
            )
            power += 1
        }
        parts.append(
            "<text x=\"14\" y=\"\(Self.coordinate(top + plotHeight / 2))\" "
                + "transform=\"rotate(-90 14 \(Self.coordinate(top + plotHeight / 2)))\" text-anchor=\"middle\">µs</text>"
        )
        for (index, (result, points)) in curves.enumerated() {
            let name = Self.escape(result.stack.rawValue)
            let line = points.map { "\(Self.coordinate(x($0.percentile))),\(Self.coordinate(y($0.micros)))" }.joined(separator: " ")
            parts.append("<polyline points=\"\(line)\" class=\"\(name)\"><title>\(name)</title></polyline>")
            for point in points {
                parts.append(
                    "<circle cx=\"\(Self.coordinate(x(point.percentile)))\" cy=\"\(Self.coordinate(y(point.micros)))\" r=\"3\" "
                        + "class=\"\(name)\"><title>\(name) "
                        + "p\(Self.escape(Self.percentileLabel(point.percentile))): \(Self.escape(ResultTable.number(point.micros, decimals: 1))) µs"
                        + "</title></circle>"
                )
            }
            // The legend, top left inside the plot, where the curves start low.
            let legendY = top + 16 + Double(index) * 18
            parts.append(
                "<line x1=\"\(Self.coordinate(left + 12))\" y1=\"\(Self.coordinate(legendY))\" x2=\"\(Self.coordinate(left + 36))\" "
                    + "y2=\"\(Self.coordinate(legendY))\" class=\"legend \(name)\"/>"
            )
            parts.append(
                "<text x=\"\(Self.coordinate(left + 42))\" y=\"\(Self.coordinate(legendY))\" dominant-baseline=\"middle\">\(name)</text>"
            )
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// Horizontal bars of msgs/s, one per stack in `summary`, scaled to the largest.
    package static func throughputChart(_ summary: [StackResult]) -> String {
        let width = 640.0
        let left = 80.0
        let right = 140.0
        let barHeight = 28.0
        let gap = 12.0
        let height = gap + Double(summary.count) * (barHeight + gap)
        let largest = summary.map(\.messagesPerSecond).max() ?? 0
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Self.coordinate(width))\" height=\"\(Self.coordinate(height))\" "
                + "viewBox=\"0 0 \(Self.coordinate(width)) \(Self.coordinate(height))\" role=\"img\" aria-label=\"throughput\">"
        ]
        for (index, result) in summary.enumerated() {
            let top = gap + Double(index) * (barHeight + gap)
            let length = largest > 0 ? (width - left - right) * max(result.messagesPerSecond, 0) / largest : 0
            let name = Self.escape(result.stack.rawValue)
            let value = Self.escape(ResultTable.number(result.messagesPerSecond, decimals: 0))
            parts.append(
                "<text x=\"\(Self.coordinate(left - 8))\" y=\"\(Self.coordinate(top + barHeight / 2))\" "
                    + "text-anchor=\"end\" dominant-baseline=\"middle\">\(name)</text>"
            )
            parts.append(
                "<rect x=\"\(Self.coordinate(left))\" y=\"\(Self.coordinate(top))\" width=\"\(Self.coordinate(length))\" "
                    + "height=\"\(Self.coordinate(barHeight))\" class=\"\(name)\"><title>\(name): \(value) msgs/s</title></rect>"
            )
            parts.append(
                "<text x=\"\(Self.coordinate(left + length + 8))\" y=\"\(Self.coordinate(top + barHeight / 2))\" "
                    + "dominant-baseline=\"middle\">\(value) msgs/s</text>"
            )
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// The powers of ten enclosing `micros` (values below 0.1 count as 0.1), at least one
    /// decade apart; `(0, 1)` when empty.
    package static func decades(_ micros: [Double]) -> (low: Double, high: Double) {
        let positive = micros.map { max($0, 0.1) }
        let low = positive.min().map { log10($0).rounded(.down) } ?? 0
        let high = positive.max().map { log10($0).rounded(.up) } ?? 1
        return (low, max(high, low + 1))
    }

    /// `text` safe in HTML element content and in quoted attribute values.
    package static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// The chart's percentile axis: `-log10(1 - p/100)`, so p90 is 1, p99 is 2, p99.9 is 3.
    package static func percentileX(_ percentile: Double) -> Double {
        -log10(max(1 - percentile / 100, 1e-9))
    }

    /// A percentile without trailing zeros: `50`, `99.9`, `99.99`.
    private static func percentileLabel(_ percentile: Double) -> String {
        percentile == percentile.rounded() ? String(Int(percentile)) : String(percentile)
    }

    /// An SVG coordinate rounded to a tenth, without grouping.
    private static func coordinate(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }

    private static let style = """
        body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:60em}\
        table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:.3em .7em}\
        td:not(:first-child),th:not(:first-child){text-align:right}\
        .meta{color:#555}.clean{color:#1a7f37}.failed{color:#c0392b;font-weight:bold}\
        svg text{font-size:12px;fill:#333}.plot{fill:none;stroke:#999}.grid{stroke:#e3e3e3}\
        polyline,line.legend{fill:none;stroke-width:2}polyline.compat,line.compat{stroke:#d9822b}\
        polyline.native,line.native{stroke:#2a6fdb}\
        circle.compat,rect.compat{fill:#d9822b}circle.native,rect.native{fill:#2a6fdb}\
        figure{margin:1em 0}figcaption{color:#555}.note{color:#555;font-size:.9em;max-width:48em}\
        tr.process td[colspan]{text-align:center;background:#f6f6f6}
        """
}
