import Testing
import TurnoutCore

@Suite("turnout_message_handling_seconds, kept lock-free")
struct HandlingTimeHistogramTests {
    @Test("observations land in Prometheus's cumulative buckets, with the sum and count")
    func exposition() {
        let histogram = HandlingTimeHistogram(stack: .native, endpoint: .glasses)
        // On a bound counts in that bucket (Prometheus's `le`); past the last goes to +Inf only.
        for nanoseconds: Int64 in [1_000, 5_000, 5_001, 2_500_000, 2_000_000_000] {
            histogram.record(nanoseconds: nanoseconds)
        }
        var text = ""
        histogram.render(into: &text)
        let labels = #"stack="native",endpoint="glasses""#
        let expected = [
            ("0.000005", 2), ("0.00001", 3), ("0.000025", 3), ("0.00005", 3), ("0.0001", 3), ("0.00025", 3),
            ("0.0005", 3), ("0.001", 3), ("0.0025", 4), ("0.005", 4), ("0.01", 4), ("0.05", 4), ("0.25", 4), ("1.0", 4),
            ("+Inf", 5),
        ]
        .map { le, count in #"turnout_message_handling_seconds_bucket{\#(labels),le="\#(le)"} \#(count)"# }
        let tail = [
            #"turnout_message_handling_seconds_sum{\#(labels)} 2.002511001"#,
            #"turnout_message_handling_seconds_count{\#(labels)} 5"#,
        ]
        #expect(text == (expected + tail).joined(separator: "\n") + "\n")
    }

    @Test("the exposition parses back into the counts /admin/compare reads")
    func parsesBack() {
        let histograms = HandlingTimeHistograms()
        histograms.histogram(stack: .compat, endpoint: .app).record(nanoseconds: 40_000)
        histograms.histogram(stack: .compat, endpoint: .app).record(nanoseconds: 40_000)
        histograms.histogram(stack: .native, endpoint: .app).record(nanoseconds: 7_000)
        let text = histograms.render()
        #expect(text.hasPrefix("# TYPE turnout_message_handling_seconds histogram\n"))
        let metrics = MetricsText(text)
        #expect(metrics.sum("turnout_message_handling_seconds_bucket", ["stack": "compat", "le": "0.00005"]) == 2)
        #expect(metrics.sum("turnout_message_handling_seconds_bucket", ["stack": "compat", "le": "0.000025"]) == 0)
        #expect(metrics.sum("turnout_message_handling_seconds_count", ["stack": "native"]) == 1)
        #expect(metrics.sum("turnout_message_handling_seconds_sum", ["stack": "compat"]) == 0.00008)
    }

    @Test("one histogram per stack and endpoint; nothing rendered before the first")
    func onePerKey() {
        let histograms = HandlingTimeHistograms()
        #expect(histograms.render() == "")
        let first = histograms.histogram(stack: .native, endpoint: .glasses)
        #expect(histograms.histogram(stack: .native, endpoint: .glasses) === first)
        #expect(histograms.histogram(stack: .native, endpoint: .app) !== first)
    }
}
