package import TurnoutFlags

/// The guard's judgement of one window: every signal's result.
package struct WindowVerdict: Sendable, Hashable {
    /// One result per signal, in ``GuardSignal`` order.
    package var results: [SignalResult]

    /// Judges a window: per signal, no verdict below `min_samples` on either stack; otherwise
    /// bad when native is past the ratio and the one-sided test says so at p < 0.001.
    package init(policy: GuardPolicy, native: StackWindow, compat: StackWindow) {
        let minSamples = policy.minSamples
        func rate(
            _ signal: GuardSignal,
            _ ratio: Double,
            _ count: (StackWindow) -> Int,
            _ exposure: (StackWindow) -> Double,
            samples: (StackWindow) -> Int
        ) -> SignalResult {
            let comparison = RateComparison(
                nativeCount: count(native),
                nativeExposure: exposure(native),
                compatCount: count(compat),
                compatExposure: exposure(compat),
                ratio: ratio
            )
            let enough = samples(native) >= minSamples && samples(compat) >= minSamples
            let p = enough ? comparison.pValue : 1
            return SignalResult(
                signal: signal,
                verdict: !enough ? .noVerdict : comparison.exceedsRatio && p < SignalResult.significance ? .bad : .good,
                native: comparison.nativeRate,
                compat: comparison.compatRate,
                nativeSamples: samples(native),
                compatSamples: samples(compat),
                pValue: p
            )
        }
        let handling = QuantileComparison(native: native.handling, compat: compat.handling, ratio: policy.handlingP99)
        let handlingEnough = handling.nativeSamples >= minSamples && handling.compatSamples >= minSamples
        let handlingP = handlingEnough ? handling.pValue : 1
        self.results = [
            rate(.abnormalCloses, policy.abnormalCloses, \.abnormalCloses, \.connectionMinutes, samples: \.connections),
            SignalResult(
                signal: .handlingP99,
                verdict: !handlingEnough ? .noVerdict : handling.exceedsRatio && handlingP < SignalResult.significance ? .bad : .good,
                native: Double(handling.nativeP99) / 1e9,
                compat: Double(handling.compatP99) / 1e9,
                nativeSamples: handling.nativeSamples,
                compatSamples: handling.compatSamples,
                pValue: handlingP
            ),
            rate(.backpressure, policy.backpressure, \.backpressureEvents, { Double($0.connections) }, samples: \.connections),
            rate(.upgradeFailures, policy.abnormalCloses, \.upgradeFailures, { Double($0.upgrades) }, samples: \.upgrades),
        ]
    }

    /// The first bad signal, if the window is bad.
    package var firstBad: SignalResult? {
        results.first { $0.verdict == .bad }
    }

    /// Whether no signal had enough samples.
    package var isEmpty: Bool {
        results.allSatisfy { $0.verdict == .noVerdict }
    }
}
