import Testing

@testable import TurnoutGuard

@Suite("RateComparison")
struct RateComparisonTests {
    @Test("p-value is P(X ≥ x_n), X ~ Binomial(x_n + x_c, r·e_n / (r·e_n + e_c))")
    func conditionalBinomial() {
        // Equal exposure, r = 2: p0 = 2/3.
        let even = RateComparison(nativeCount: 40, nativeExposure: 300, compatCount: 2, compatExposure: 300, ratio: 2)
        #expect(BinomialTailTests.close(even.pValue, 9.536155863268847e-06))
        #expect(even.exceedsRatio)
        // Native has a third of compat's exposure: p0 = 200 / 500.
        let uneven = RateComparison(nativeCount: 40, nativeExposure: 100, compatCount: 2, compatExposure: 300, ratio: 2)
        #expect(BinomialTailTests.close(uneven.pValue, 3.870980474406051e-14))
        #expect(uneven.nativeRate == 0.4)
        #expect(uneven.compatRate == 2.0 / 300)
    }

    @Test("past the ratio but not significant: 20 against 5 is p = 0.112")
    func notSignificant() {
        let comparison = RateComparison(nativeCount: 20, nativeExposure: 300, compatCount: 5, compatExposure: 300, ratio: 2)
        #expect(comparison.exceedsRatio)
        #expect(BinomialTailTests.close(comparison.pValue, 0.11195274084276621))
    }

    @Test("within the ratio is never past it, however significant")
    func withinRatio() {
        let comparison = RateComparison(nativeCount: 399, nativeExposure: 300, compatCount: 200, compatExposure: 300, ratio: 2)
        #expect(!comparison.exceedsRatio)
    }

    @Test("no exposure on either side gives p = 1")
    func noExposure() {
        #expect(RateComparison(nativeCount: 0, nativeExposure: 0, compatCount: 0, compatExposure: 0, ratio: 2).pValue == 1)
        #expect(RateComparison(nativeCount: 3, nativeExposure: 10, compatCount: 0, compatExposure: 0, ratio: 2).pValue == 1)
    }
}
