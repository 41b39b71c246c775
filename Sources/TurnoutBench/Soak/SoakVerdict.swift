/// Whether a soak's server stayed flat, from its samples.
///
/// - **Warm-up:** the first 20 % of the run, and at least 60 s: the glasses grace is 60 s, so
///   the sessions of users who left stay that long, and their number is steady only after it.
///   Samples in the warm-up are shown, never judged.
/// - **Like moments:** every sample is taken at the quiescent point ending a step, with the same
///   users and apps connected (``SoakSample``); a sample with a different connection count is
///   not compared.
/// - **RSS** may not grow more than 5 %: the median of the last three samples against the median
///   of the first three after the warm-up (medians, so one allocator spike is not a trend).
/// - **Descriptors and threads** may not grow at all: the smallest of the last three samples
///   against the largest of the first three after the warm-up. A leak of even one per step
///   shows; a descriptor that comes and goes (a webhook connection the HTTP client pools) does not.
/// - A short run (CI's 2 minutes) with fewer than six samples after the warm-up compares two at
///   each end; fewer than four cannot be judged and fail.
package struct SoakVerdict: Codable, Hashable, Sendable {
    /// The most RSS may grow after the warm-up, in percent.
    package static let rssGrowthPercent = 5.0
    /// Samples at each end that are compared, when there are enough; never fewer than two.
    package static let window = 3

    /// Every sample, in order.
    package var samples: [SoakSample]
    /// The samples judged (after the warm-up, at the usual connection count).
    package var judged: [SoakSample]
    /// Seconds of warm-up.
    package var warmupSeconds: Double
    /// RSS growth after the warm-up, percent.
    package var rssGrowthPercent: Double?
    /// Why the soak fails; empty when it is flat.
    package var failures: [String]

    /// The warm-up of a run of `duration`: 20 %, at least 60 s.
    package static func warmup(of duration: Duration) -> Double {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return max(60, seconds * 0.2)
    }

    /// Whether the server stayed flat.
    package var isFlat: Bool { self.failures.isEmpty }

    /// The verdict as lines for the run's output: the figures, then every failure prefixed `error:`.
    package var lines: [String] {
        var lines: [String] = []
        if let first = self.judged.first, let last = self.judged.last {
            lines.append(
                "soak: \(self.samples.count) samples, \(self.judged.count) judged after a \(Int(self.warmupSeconds)) s warm-up at \(first.connections) connections; "
                    + "RSS \(first.rssKiB) → \(last.rssKiB) KiB (\(ResultTable.number(self.rssGrowthPercent ?? 0, decimals: 1)) %), "
                    + "descriptors \(first.descriptors) → \(last.descriptors), threads \(first.threads) → \(last.threads)"
            )
        }
        lines += self.failures.map { "error: soak: \($0)" }
        return lines
    }

    /// Judges `samples` of a run whose warm-up lasts `warmupSeconds`.
    package init(samples: [SoakSample], warmupSeconds: Double) {
        self.samples = samples
        self.warmupSeconds = warmupSeconds
        let after = samples.filter { $0.elapsedSeconds >= warmupSeconds }
        let usual = Median.of(after.map { Double($0.connections) })
        self.judged = after.filter { Double($0.connections) == usual }
        self.failures = []
        let count = min(Self.window, self.judged.count / 2)
        guard count >= 2 else {
            self.failures = [
                "only \(self.judged.count) samples after the \(Int(warmupSeconds)) s warm-up at the usual connection count; the soak needs 4: run it longer"
            ]
            return
        }
        let first = Array(self.judged.prefix(count))
        let last = Array(self.judged.suffix(count))
        let rssBefore = Median.of(first.map { Double($0.rssKiB) })
        let rssAfter = Median.of(last.map { Double($0.rssKiB) })
        let growth = 100 * (rssAfter - rssBefore) / rssBefore
        self.rssGrowthPercent = growth
        if growth > Self.rssGrowthPercent {
            self.failures.append(
                "RSS grew \(ResultTable.number(growth, decimals: 1)) % after the warm-up (\(Int(rssBefore)) → \(Int(rssAfter)) KiB), more than \(Int(Self.rssGrowthPercent)) %"
            )
        }
        for (name, path) in [("descriptors", \SoakSample.descriptors), ("threads", \SoakSample.threads)] {
            let before = first.map { $0[keyPath: path] }.max() ?? 0
            let after = last.map { $0[keyPath: path] }.min() ?? 0
            if after > before {
                self.failures.append("\(name) grew from \(before) to \(after) after the warm-up")
            }
        }
    }
}
