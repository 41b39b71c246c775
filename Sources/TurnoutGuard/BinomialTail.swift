import Foundation

/// The upper tail of a binomial distribution, computed in log space so that no factorial or
/// power ever overflows or underflows to a wrong answer, however many trials.
package enum BinomialTail {
    /// P(X ≥ `successes`) for X ~ Binomial(`trials`, `probability`).
    ///
    /// Sums the probability mass from the side that is small: the upper tail itself when
    /// `successes` lies above the mean, one minus the lower tail otherwise. Each sum starts at its
    /// largest term and stops once the terms fall below 10⁻¹⁸ of it, so a call costs a few
    /// standard deviations' worth of terms, not `trials`.
    package static func probability(atLeast successes: Int, trials: Int, probability p: Double) -> Double {
        if successes <= 0 { return 1 }
        if successes > trials { return 0 }
        if p <= 0 { return 0 }
        if p >= 1 { return 1 }
        let mean = Double(trials) * p
        if Double(successes) > mean {
            return min(1, sum(from: successes, through: trials, step: 1, trials: trials, p: p))
        }
        return max(0, 1 - sum(from: successes - 1, through: 0, step: -1, trials: trials, p: p))
    }

    /// log P(X = k).
    package static func logMass(_ k: Int, trials n: Int, probability p: Double) -> Double {
        let choose = lgamma(Double(n) + 1) - lgamma(Double(k) + 1) - lgamma(Double(n - k) + 1)
        return choose + Double(k) * log(p) + Double(n - k) * log1p(-p)
    }

    /// Σ P(X = k) for k from `start` towards `end`, where the terms only shrink in that direction.
    private static func sum(from start: Int, through end: Int, step: Int, trials: Int, p: Double) -> Double {
        let first = logMass(start, trials: trials, probability: p)
        var total = 0.0
        for k in stride(from: start, through: end, by: step) {
            let term = logMass(k, trials: trials, probability: p) - first
            if term < -41.5 { break }  // e^-41.5 < 10⁻¹⁸: nothing further changes a double
            total += exp(term)
        }
        return exp(first) * total
    }
}
