import Testing
import TurnoutCore

@testable import TurnoutGuard

@Suite("QuantileComparison")
struct QuantileComparisonTests {
    /// A histogram with `count` samples of `nanoseconds` each, per pair.
    static func histogram(_ samples: [(nanoseconds: Int64, count: Int)]) -> [Int] {
        var buckets = Array(repeating: 0, count: HandlingBuckets.count)
        for (nanoseconds, count) in samples {
            buckets[HandlingBuckets.index(nanoseconds: nanoseconds)] += count
        }
        return buckets
    }

    @Test("buckets are log-linear, four per power of two, and bound what they hold")
    func buckets() {
        #expect(HandlingBuckets.index(nanoseconds: 0) == 0)
        #expect(HandlingBuckets.index(nanoseconds: 4) == 1)
        #expect(HandlingBuckets.index(nanoseconds: 7) == 4)
        #expect(HandlingBuckets.index(nanoseconds: 8) == 5)
        #expect(HandlingBuckets.lowerBound(5) == 8)
        #expect(HandlingBuckets.lowerBound(7) == 12)
        for nanoseconds: Int64 in [5, 999, 50_000, 1_000_000, 5_000_000, 7_777_777_777] {
            let index = HandlingBuckets.index(nanoseconds: nanoseconds)
            #expect(HandlingBuckets.lowerBound(index) <= nanoseconds && nanoseconds < HandlingBuckets.upperBound(index))
            #expect(Double(HandlingBuckets.upperBound(index)) <= 1.25 * Double(HandlingBuckets.lowerBound(index)))
        }
        #expect(HandlingBuckets.index(nanoseconds: .max) == HandlingBuckets.count - 1)
    }

    @Test("20 of 1,000 native samples above 1.5 × compat's p99: p = P(Binomial(1000, 0.01) ≥ 20)")
    func slowTail() {
        let compat = Self.histogram([(50_000, 1000)])
        let native = Self.histogram([(50_000, 980), (5_000_000, 20)])
        let comparison = QuantileComparison(native: native, compat: compat, ratio: 1.5)
        #expect(comparison.compatP99 == HandlingBuckets.upperBound(HandlingBuckets.index(nanoseconds: 50_000)))
        #expect(comparison.nativeP99 == HandlingBuckets.upperBound(HandlingBuckets.index(nanoseconds: 5_000_000)))
        #expect(comparison.nativeAbove == 20)
        #expect(comparison.exceedsRatio)
        #expect(BinomialTailTests.close(comparison.pValue, 0.00328835978772744))
    }

    @Test("1 % above is the null itself: not past the ratio")
    func onePercent() {
        let compat = Self.histogram([(50_000, 1000)])
        let native = Self.histogram([(50_000, 990), (5_000_000, 10)])
        let comparison = QuantileComparison(native: native, compat: compat, ratio: 1.5)
        #expect(comparison.nativeAbove == 10)
        #expect(!comparison.exceedsRatio)
    }

    @Test("samples in the bucket that straddles the threshold do not count")
    func straddlingBucket() {
        let compat = Self.histogram([(100_000, 500)])
        // 1.5 × compat's p99 falls inside this native bucket: only buckets wholly above count.
        let threshold = Int64(1.5 * Double(HandlingBuckets.upperBound(HandlingBuckets.index(nanoseconds: 100_000))))
        let native = Self.histogram([(threshold, 500)])
        #expect(QuantileComparison(native: native, compat: compat, ratio: 1.5).nativeAbove == 0)
    }
}
