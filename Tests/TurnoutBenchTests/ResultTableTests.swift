import Testing
import TurnoutBench

@Suite("Result table: numbers, ratios, rows")
struct ResultTableTests {
    @Test(
        "numbers are grouped and rounded",
        arguments: [
            (0.0, 0, "0"),
            (999.4, 0, "999"),
            (1234.5, 1, "1,234.5"),
            (1_234_567.891, 2, "1,234,567.89"),
            (-12.34, 1, "-12.3"),
            (0.05, 1, "0.1"),
            (3.004, 2, "3.00"),
        ]
    )
    func numbers(value: Double, decimals: Int, expected: String) {
        #expect(ResultTable.number(value, decimals: decimals) == expected)
    }

    @Test("the ratio is native over compat, and a dash when it cannot be computed")
    func ratios() {
        #expect(ResultTable.ratio(native: 150, compat: 100) == "1.50×")
        #expect(ResultTable.ratio(native: 80, compat: 100) == "0.80×")
        #expect(ResultTable.ratio(native: 1, compat: 0) == "–")
        #expect(ResultTable.ratio(native: nil, compat: 100) == "–")
    }

    @Test("the table has one row per figure with both stacks and the ratio")
    func table() throws {
        let compat = Self.result(.compat, rate: 1000, p50: 100)
        let native = Self.result(.native, rate: 2000, p50: 50)
        let lines = ResultTable.render(compat: compat, native: native, audio: false).split(separator: "\n")
        #expect(lines[0] == "| figure | compat | native | native/compat |")
        #expect(lines.contains("| msgs/s | 1,000 | 2,000 | 2.00× |"))
        #expect(lines.contains("| p50 latency (µs) | 100.0 | 50.0 | 0.50× |"))
        // 50 % of a core over 1,000 msgs/s is 500 µs per message; over 2,000, 250.
        #expect(lines.contains("| server CPU per msg (µs) | 500.00 | 250.00 | 0.50× |"))
        #expect(lines.contains("| server RSS per connection (KiB) | – | – | – |"))
        #expect(!lines.contains { $0.hasPrefix("| audio") })
        #expect(ResultTable.render(compat: compat, native: nil, audio: true).contains("| audio bytes/s | 0 | – | – |"))
    }

    @Test("without traffic (idle) the table leaves out msgs/s and latency, and keeps memory and failures")
    func idleTable() {
        var native = Self.result(.native, rate: 0, p50: 0)
        native.rssPerConnectionKiB = 12.5
        let labels = ResultTable.rows(compat: nil, native: native, audio: false, traffic: false).map(\.label)
        #expect(!labels.contains("msgs/s"))
        #expect(!labels.contains { $0.contains("latency") })
        #expect(!labels.contains("server CPU per msg (µs)"))
        #expect(labels.contains("server RSS per connection (KiB)"))
        #expect(labels.contains("errors"))
        let table = ResultTable.render(compat: nil, native: native, audio: false, traffic: false)
        #expect(table.contains("| server RSS per connection (KiB) | – | 12.5 | – |"))
    }

    @Test("medians take the middle value; failures are summed over rounds")
    func medians() throws {
        var bad = Self.result(.native, rate: 10, p50: 1)
        bad.drops = 2
        let rounds = [Self.result(.native, rate: 30, p50: 3), bad, Self.result(.native, rate: 20, p50: 2)]
        let median = try #require(StackResult.median(of: rounds))
        #expect(median.messagesPerSecond == 20)
        #expect(median.p50Micros == 2)
        #expect(median.drops == 2)
        #expect(!median.isClean)
        #expect(Median.of([4, 1, 3, 2]) == 2.5)
        #expect(Median.of([]) == 0)
    }

    static func result(_ stack: BenchStack, rate: Double, p50: Double) -> StackResult {
        StackResult(
            stack: stack,
            messagesPerSecond: rate,
            p50Micros: p50,
            p99Micros: p50 * 2,
            p999Micros: p50 * 3,
            audioBytesPerSecond: 0,
            serverCPUPercent: 50,
            clientCPUPercent: 20,
            rssPerConnectionKiB: nil,
            connections: 10,
            sent: 100,
            received: 100,
            errors: 0,
            drops: 0,
            reordered: 0,
            metricsMismatches: []
        )
    }
}
