import Foundation
import Testing

@testable import TurnoutServer

@Suite("turnout compare's table")
struct CompareTableTests {
    /// The driven history's answer, as `turnout compare` decodes it.
    static func snapshot() throws -> CompareSnapshot {
        let text = CompareReport.json(CompareReportTests.drivenHistory()).text
        return try JSONDecoder().decode(CompareSnapshot.self, from: Data(text.utf8))
    }

    static func words(_ line: Substring) -> [String] {
        line.split(separator: " ").map(String.init)
    }

    @Test("one instance: compat, native and their ratio, figures recomputed from the raw counts")
    func oneInstance() throws {
        let table = CompareTable.render([.init(name: "http://a:9090", answer: .success(try Self.snapshot()))], window: "1m")
        let lines = table.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines[0] == "turnout compare · window 1m (4 s) · 1 instance(s)")
        let header: [String] = ["instance", "stack"] + CompareTable.headers.flatMap { $0.split(separator: " ").map(String.init) }
        #expect(Self.words(lines[1]) == header)
        #expect(
            Self.words(lines[2]) == ["http://a:9090", "compat", "1", "2", "2.50", "5", "250", "1000", "37.5", "47.5", "49.8", "0", "0", "1000×1"]
                as [String]
        )
        #expect(Self.words(lines[3]) == ["native", "1", "2", "5", "10", "500", "2000", "50", "90", "99", "12.0", "3", "1006×1"] as [String])
        #expect(
            Self.words(lines[4]) == ["ratio", "1.00", "1.00", "2.00", "2.00", "2.00", "2.00", "1.33", "1.89", "1.99", "-", "-", "1.00"] as [String]
        )
        #expect(lines[5] == "upgrade refusals, http://a:9090: 2 (missing_token 2); refused before any stack is chosen")
        // The columns line up: numbers are right-aligned, so every line of the table is as long as the header.
        #expect(Set(lines[1...4].map(\.count)).count == 1)
    }

    @Test("several instances add up in an 'all' group, then one group per instance; an unreadable one is named")
    func severalInstances() throws {
        let snapshot = try Self.snapshot()
        let table = CompareTable.render(
            [
                .init(name: "http://a:9090", answer: .success(snapshot)),
                .init(name: "http://b:9090", answer: .success(snapshot)),
                .init(name: "http://c:9090", answer: .failure(CompareFetchError(url: "http://c:9090/admin/compare", message: "connection refused"))),
            ],
            window: "1m"
        )
        let lines = table.split(separator: "\n")
        #expect(lines[0] == "turnout compare · window 1m (4 s) · 3 instance(s)")
        // Counts and rates double; percentiles and ratios stay, since both halves are alike.
        #expect(
            Self.words(lines[2]) == ["all", "compat", "2", "4", "5", "10", "500", "2000", "37.5", "47.5", "49.8", "0", "0", "1000×2"] as [String]
        )
        #expect(
            Self.words(lines[4]) == ["ratio", "1.00", "1.00", "2.00", "2.00", "2.00", "2.00", "1.33", "1.89", "1.99", "-", "-", "1.00"] as [String]
        )
        #expect(Self.words(lines[5]).prefix(2) == ["http://a:9090", "compat"] as ArraySlice<String>)
        #expect(Self.words(lines[8]).prefix(2) == ["http://b:9090", "compat"] as ArraySlice<String>)
        #expect(lines.contains("upgrade refusals, all: 4 (missing_token 4); refused before any stack is chosen"))
        #expect(lines.last == "unreadable: http://c:9090/admin/compare: connection refused")
    }

    @Test(
        "numbers: integers bare, small values with 2 decimals, tens with 1, hundreds none",
        arguments: [(3.0, "3"), (2.5, "2.50"), (0.125, "0.13"), (12.34, "12.3"), (1234.5, "1235"), (-0.5, "-0.50")]
    )
    func numbers(value: Double, text: String) {
        #expect(CompareTable.number(value) == text)
    }
}
