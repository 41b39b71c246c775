/// Native's event rate against compat's over one window: the exact one-sided conditional
/// binomial test (docs/flags.md, "The guard's tests").
///
/// Native had `x_n` events over exposure `e_n`, compat `x_c` over `e_c`. If native's true rate
/// were at most `r` × compat's (the null hypothesis), then given the `k = x_n + x_c` events seen,
/// each one is native's with probability at most `p₀ = r·e_n / (r·e_n + e_c)`, so
/// `x_n ~ Binomial(k, p₀)` at worst, and the p-value is `P(X ≥ x_n)`. Conditioning on `k` makes
/// the test exact for counts of any size and free of the unknown common rate.
package struct RateComparison: Sendable, Hashable {
    /// Native's events in the window.
    package var nativeCount: Int
    /// Native's exposure (connection-minutes, connections or upgrades).
    package var nativeExposure: Double
    /// Compat's events.
    package var compatCount: Int
    /// Compat's exposure.
    package var compatExposure: Double
    /// The ratio native's rate may reach.
    package var ratio: Double

    /// Compares the two stacks.
    package init(nativeCount: Int, nativeExposure: Double, compatCount: Int, compatExposure: Double, ratio: Double) {
        self.nativeCount = nativeCount
        self.nativeExposure = nativeExposure
        self.compatCount = compatCount
        self.compatExposure = compatExposure
        self.ratio = ratio
    }

    /// Native's events per unit of exposure.
    package var nativeRate: Double { nativeExposure > 0 ? Double(nativeCount) / nativeExposure : 0 }
    /// Compat's events per unit of exposure.
    package var compatRate: Double { compatExposure > 0 ? Double(compatCount) / compatExposure : 0 }

    /// Whether native's rate is above `ratio` × compat's (any native event against none on compat is).
    package var exceedsRatio: Bool {
        Double(nativeCount) * compatExposure > ratio * Double(compatCount) * nativeExposure
    }

    /// P(X ≥ x_n) for X ~ Binomial(x_n + x_c, r·e_n / (r·e_n + e_c)).
    package var pValue: Double {
        let weighted = ratio * nativeExposure
        guard weighted + compatExposure > 0 else { return 1 }
        return BinomialTail.probability(
            atLeast: nativeCount,
            trials: nativeCount + compatCount,
            probability: weighted / (weighted + compatExposure)
        )
    }
}
