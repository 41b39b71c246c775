import Foundation
import Testing
import TurnoutBench

@Suite("HTML report: table, charts, escaping")
struct HTMLReportTests {
    static func report(summary: [StackResult], warnings: [String] = [], plan: String = "split:50") -> BenchReport {
        BenchReport(
            scenario: .glasses,
            plan: plan,
            parameters: "users=2 apps=2 rate=10/s audio=50/s",
            secondsPerMeasurement: 10,
            measurements: [summary],
            summary: summary,
            warnings: warnings
        )
    }

    static func result(_ stack: BenchStack, rate: Double, p50: Double) -> StackResult {
        var result = ResultTableTests.result(stack, rate: rate, p50: p50)
        result.latencyCDF = LatencyPoint.percentiles.map { LatencyPoint(percentile: $0, micros: p50 * (1 + $0 / 10)) }
        return result
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test("the table has the terminal table's rows, with the native/compat ratio cells")
    func table() {
        let report = Self.report(
            summary: [Self.result(.compat, rate: 1000, p50: 100), Self.result(.native, rate: 2000, p50: 50)],
            plan: "both (3 rounds)"
        )
        let html = HTMLReport.render(report, date: Date(timeIntervalSince1970: 0))
        #expect(html.contains("<tr><th>figure</th><th>compat</th><th>native</th><th>native/compat</th></tr>"))
        #expect(html.contains("<tr><td>msgs/s</td><td>1,000</td><td>2,000</td><td>2.00×</td></tr>"))
        #expect(html.contains("<tr><td>p50 latency (µs)</td><td>100.0</td><td>50.0</td><td>0.50×</td></tr>"))
        #expect(html.contains("<tr><td>audio bytes/s</td><td>0</td><td>0</td><td>–</td></tr>"))
        #expect(html.contains("<tr><td>server RSS per connection (KiB)</td><td>–</td><td>–</td><td>–</td></tr>"))
        // Stacks measured one after the other: every figure is per stack, no row spans.
        #expect(html.contains("<tr><td>server CPU (% of a core)</td><td>50.0</td><td>50.0</td><td>1.00×</td></tr>"))
        #expect(!html.contains("<td colspan") && !html.contains(HTMLReport.processWideNote))
        let terminalRows = report.table.split(separator: "\n").count - 2
        #expect(Self.count("<tr><td>", in: html) == terminalRows)
    }

    @Test("in a split, process-wide rows show one figure spanning both columns, with a note instead of the warning")
    func processWideRows() {
        let report = Self.report(
            summary: [Self.result(.compat, rate: 1000, p50: 100), Self.result(.native, rate: 2000, p50: 50)],
            warnings: [BenchReport.sharedProcessWarning, "another warning"]
        )
        let html = HTMLReport.render(report, date: Date(timeIntervalSince1970: 0))
        #expect(html.contains(#"<tr class="process"><td>server CPU (% of a core) *</td><td colspan="2">50.0</td><td>–</td></tr>"#))
        #expect(html.contains(#"<tr class="process"><td>client CPU (% of a core) *</td><td colspan="2">20.0</td><td>–</td></tr>"#))
        // The process's CPU over both stacks' messages: 50 % of a core over 3,000 msgs/s.
        #expect(html.contains(#"<tr class="process"><td>server CPU per msg (µs) *</td><td colspan="2">166.67</td><td>–</td></tr>"#))
        #expect(html.contains(#"<tr class="process"><td>server RSS per connection (KiB) *</td><td colspan="2">–</td><td>–</td></tr>"#))
        #expect(Self.count(#"<tr class="process">"#, in: html) == 4)
        #expect(html.contains("<p class=\"note\">\(HTMLReport.escape(HTMLReport.processWideNote))</p>"))
        #expect(!html.contains(HTMLReport.escape(BenchReport.sharedProcessWarning)))
        #expect(html.contains("<li>warning: another warning</li>"))
        // Per-stack rows keep their three cells.
        #expect(html.contains("<tr><td>msgs/s</td><td>1,000</td><td>2,000</td><td>2.00×</td></tr>"))
        let terminalRows = report.table.split(separator: "\n").count - 2
        #expect(Self.count("<tr><td>", in: html) + 4 == terminalRows)
    }

    @Test("two charts: both stacks' latency CDFs on one, with a legend, and the throughput bars; no script")
    func charts() {
        let both = HTMLReport.render(
            Self.report(summary: [Self.result(.compat, rate: 1000, p50: 100), Self.result(.native, rate: 2000, p50: 50)]),
            date: Date(timeIntervalSince1970: 0)
        )
        #expect(Self.count("<svg", in: both) == 2)
        #expect(Self.count("</svg>", in: both) == 2)
        #expect(both.contains(#"aria-label="compat and native latency CDF""#))
        #expect(Self.count("<polyline", in: both) == 2)
        #expect(both.contains(#"<polyline points=""#) && both.contains(#"class="compat"><title>compat</title></polyline>"#))
        #expect(both.contains(#"class="native"><title>native</title></polyline>"#))
        #expect(Self.count("<circle", in: both) == 2 * LatencyPoint.percentiles.count)
        #expect(both.contains("<title>compat p99.9: ") && both.contains("<title>native p99.9: "))
        #expect(Self.count(#"class="legend "#, in: both) == 2)
        #expect(both.contains("<figcaption>compat and native on one chart</figcaption>"))
        #expect(both.contains("2,000 msgs/s</text>"))
        #expect(!both.lowercased().contains("<script"))
        let external = both.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!external.contains("http") && !external.contains("src=") && !external.contains("<link"))
        #expect(both.hasPrefix("<!DOCTYPE html>"))
        #expect(both.contains("1970-01-01T00:00:00Z"))
        #expect(both.contains("<h1>turnout bench: glasses, stack split:50</h1>"))

        var noLatency = Self.result(.native, rate: 2000, p50: 50)
        noLatency.latencyCDF = []
        let one = HTMLReport.render(Self.report(summary: [noLatency]), date: Date(timeIntervalSince1970: 0))
        #expect(Self.count("<svg", in: one) == 1)
    }

    @Test("text from the report is escaped")
    func escaping() {
        #expect(HTMLReport.escape("<a href=\"x\">Tom & Jerry's</a>") == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        var result = Self.result(.native, rate: 1, p50: 1)
        result.metricsMismatches = ["x{stack=\"native\"} grew by 1 <script>"]
        let html = HTMLReport.render(Self.report(summary: [result], warnings: ["client & server <b>"]), date: Date(timeIntervalSince1970: 0))
        #expect(html.contains("<li>warning: client &amp; server &lt;b&gt;</li>"))
        #expect(html.contains("<li>error: /metrics: x{stack=&quot;native&quot;} grew by 1 &lt;script&gt;</li>"))
        #expect(!html.contains("<script"))
        #expect(html.contains("FAILED"))
    }

    @Test("the percentile axis is log in 1 - p")
    func percentileAxis() {
        #expect(HTMLReport.percentileX(0) == 0)
        #expect(abs(HTMLReport.percentileX(90) - 1) < 1e-9)
        #expect(abs(HTMLReport.percentileX(99.9) - 3) < 1e-9)
    }

    @Test("the latency axis spans the enclosing powers of ten")
    func decades() {
        #expect(HTMLReport.decades([378.8, 9438.5]) == (2, 4))
        #expect(HTMLReport.decades([100, 100]) == (2, 3))
        #expect(HTMLReport.decades([]) == (0, 1))
    }

    @Test("medians of CDFs are taken point by point")
    func cdfMedian() {
        let curves = [10.0, 30, 20].map { value in [LatencyPoint(percentile: 50, micros: value), LatencyPoint(percentile: 99, micros: value * 2)] }
        #expect(LatencyPoint.median(of: curves) == [LatencyPoint(percentile: 50, micros: 20), LatencyPoint(percentile: 99, micros: 40)])
        #expect(LatencyPoint.median(of: []).isEmpty)
    }
}
