import Testing
import TurnoutFlags

@Suite("Percentage")
struct PercentageTests {
    @Test(
        "exact hundredths, no floating point",
        arguments: [
            ("0", 0), ("5", 500), ("2.2", 220), ("77.54", 7754), ("0.01", 1), ("100", 10_000), ("100.00", 10_000), ("12.340", 1234), (".5", 50),
        ]
    )
    func parses(text: String, hundredths: Int) throws {
        #expect(try Percentage.parse(text).get().hundredths == hundredths)
    }

    @Test(
        "refusals",
        arguments: [
            ("1.234", Percentage.ParseError.tooManyDecimals), ("100.01", .outOfRange), ("-1", .outOfRange), ("abc", .notANumber),
            ("1e2", .notANumber), ("", .notANumber), ("5.", .notANumber), ("99999", .outOfRange),
        ]
    )
    func refuses(text: String, error: Percentage.ParseError) {
        #expect(throws: error) { try Percentage.parse(text).get() }
    }

    @Test("prints the shortest exact decimal", arguments: [(0, "0"), (50, "0.5"), (500, "5"), (1234, "12.34"), (1205, "12.05"), (10_000, "100")])
    func description(hundredths: Int, text: String) throws {
        #expect(try #require(Percentage(hundredths: hundredths)).description == text)
    }
}
