import Testing
import TurnoutCore

@Suite("Prometheus text parsing for the /metrics cross-check")
struct MetricsTextTests {
    static let text = """
        # HELP turnout_messages_received_total Messages received
        # TYPE turnout_messages_received_total counter
        turnout_messages_received_total{stack="native",endpoint="glasses"} 120
        turnout_messages_received_total{endpoint="app",stack="native"} 7
        turnout_messages_received_total{stack="compat",endpoint="glasses"} 3.0
        turnout_messages_sent_total{stack="compat",endpoint="app",note="a \\"quoted\\", comma"} 42 1700000000000
        turnout_up 1
        garbage line
        """

    @Test("samples are summed by label subset, in any label order")
    func sums() {
        let metrics = MetricsText(Self.text)
        #expect(metrics.sum("turnout_messages_received_total", ["stack": "native", "endpoint": "glasses"]) == 120)
        #expect(metrics.sum("turnout_messages_received_total", ["stack": "native"]) == 127)
        #expect(metrics.sum("turnout_messages_received_total") == 130)
        #expect(metrics.sum("turnout_messages_sent_total", ["endpoint": "app"]) == 42)
        #expect(metrics.sum("turnout_up") == 1)
        #expect(metrics.sum("turnout_missing") == 0)
    }

    @Test("escaped quotes and commas stay inside a label value")
    func escapes() throws {
        let sample = try #require(MetricsText(Self.text).samples.first { $0.name == "turnout_messages_sent_total" })
        #expect(sample.labels["note"] == #"a "quoted", comma"#)
        #expect(sample.labels["stack"] == "compat")
    }
}
