import Foundation

/// The verdict on one signal over one window, with the figures behind it.
package struct SignalResult: Sendable, Hashable {
    /// What the window said about the signal.
    package enum Verdict: String, Sendable, Hashable {
        /// A stack had fewer than `min_samples` samples: no verdict.
        case noVerdict = "no-verdict"
        /// Native is within the ratio, or the test cannot tell at p < 0.001.
        case good
        /// Native is worse than the ratio allows, at p < 0.001.
        case bad
    }

    /// The p-value a bad window needs to be under.
    package static let significance = 0.001

    /// The signal.
    package var signal: GuardSignal
    /// The verdict.
    package var verdict: Verdict
    /// Native's figure: a rate, or the p99 in seconds.
    package var native: Double
    /// Compat's figure.
    package var compat: Double
    /// Native's samples in the window.
    package var nativeSamples: Int
    /// Compat's samples.
    package var compatSamples: Int
    /// The one-sided p-value (1 when there was no verdict).
    package var pValue: Double

    /// Creates a result.
    package init(
        signal: GuardSignal,
        verdict: Verdict,
        native: Double,
        compat: Double,
        nativeSamples: Int,
        compatSamples: Int,
        pValue: Double
    ) {
        self.signal = signal
        self.verdict = verdict
        self.native = native
        self.compat = compat
        self.nativeSamples = nativeSamples
        self.compatSamples = compatSamples
        self.pValue = pValue
    }

    /// `abnormal_closes native 0.91 compat 0.00 per connection-minute (p = 2.1e-09, 412/398 samples)`.
    package var summary: String {
        let unit =
            switch signal {
            case .abnormalCloses: " per connection-minute"
            case .handlingP99: " s"
            case .backpressure: " per connection"
            case .upgradeFailures: " per upgrade"
            }
        return "\(signal) native \(Self.format(native)) compat \(Self.format(compat))\(unit) "
            + "(p = \(Self.format(pValue)), \(nativeSamples)/\(compatSamples) samples)"
    }

    /// Four significant digits: `0.9134`, `2.1e-09`.
    package static func format(_ value: Double) -> String {
        String(format: "%.4g", value)
    }
}
