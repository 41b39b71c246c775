import Testing

@testable import TurnoutGuard

@Suite("BinomialTail")
struct BinomialTailTests {
    /// Within `relative` of `expected` (values from exact rational sums in Python).
    static func close(_ value: Double, _ expected: Double, relative: Double = 1e-9) -> Bool {
        abs(value - expected) <= relative * abs(expected)
    }

    @Test("small tails equal the exact sums, above and below the mean")
    func exactSmall() {
        #expect(Self.close(BinomialTail.probability(atLeast: 3, trials: 10, probability: 0.5), 0.9453125))
        #expect(Self.close(BinomialTail.probability(atLeast: 8, trials: 10, probability: 0.5), 0.0546875))
        #expect(Self.close(BinomialTail.probability(atLeast: 35, trials: 2000, probability: 0.01), 0.0014064364861060977))
        #expect(Self.close(BinomialTail.probability(atLeast: 10, trials: 2000, probability: 0.01), 0.9951632298136821))
        #expect(Self.close(BinomialTail.probability(atLeast: 21, trials: 2000, probability: 0.01), 0.44090666800135103))
    }

    @Test("large counts stay exact in log space: no overflow, no NaN")
    func large() {
        #expect(Self.close(BinomialTail.probability(atLeast: 150, trials: 10_000, probability: 0.01), 1.65706019623804e-6, relative: 1e-7))
        #expect(
            Self.close(BinomialTail.probability(atLeast: 11_000, trials: 1_000_000, probability: 0.01), 2.34952979623054e-23, relative: 1e-6)
        )
        // 2.9e-5719 in exact arithmetic: below the smallest double, so 0, never NaN or garbage.
        #expect(BinomialTail.probability(atLeast: 30_000, trials: 1_000_000, probability: 0.01) == 0)
    }

    @Test("edges: nothing seen, more than possible, certain and impossible events")
    func edges() {
        #expect(BinomialTail.probability(atLeast: 0, trials: 10, probability: 0.3) == 1)
        #expect(BinomialTail.probability(atLeast: 11, trials: 10, probability: 0.3) == 0)
        #expect(BinomialTail.probability(atLeast: 1, trials: 10, probability: 0) == 0)
        #expect(BinomialTail.probability(atLeast: 10, trials: 10, probability: 1) == 1)
        #expect(BinomialTail.probability(atLeast: 0, trials: 0, probability: 0.5) == 1)
    }
}
