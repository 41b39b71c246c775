/// The answer of `/admin/compare`: both stacks side by side over the last 1, 5 and 15 minutes,
/// with native ÷ compat ratios; the JSON shape is documented in docs/operations.md.
///
/// Pure: the same history gives the same text.
enum CompareReport {
    /// The windows, by name and length in seconds.
    static let windows: [(name: String, seconds: Int)] = [("1m", 60), ("5m", 300), ("15m", 900)]

    /// The whole answer for `history`.
    /// - Parameter series: Add ``series(_:)`` under `series` (`?series=1`, for the dashboard).
    static func json(_ history: CompareHistory, series: Bool = false) -> CompareJSON {
        var windows: [String: CompareJSON] = [:]
        for (name, seconds) in Self.windows {
            windows[name] = Self.json(history.window(seconds: seconds))
        }
        var object: [String: CompareJSON] = [
            "intervalSeconds": .number(Double(CompareHistory.interval.components.seconds)),
            "capacity": .number(Double(history.capacity)),
            "samples": .number(Double(history.count)),
            "historyBytes": .number(Double(history.byteCount)),
            "handlingBucketsMicroseconds": .array(CompareLayout.bucketBounds.map { $0.isFinite ? .number($0 * 1e6) : .null }),
            "windows": .object(windows),
        ]
        if series { object["series"] = Self.series(history) }
        return .object(object)
    }

    /// One window: each stack, their ratios, and the refusals no stack owns.
    static func json(_ window: CompareWindow) -> CompareJSON {
        var object: [String: CompareJSON] = ["seconds": .number(window.seconds)]
        for (index, stack) in CompareLayout.stacks.enumerated() {
            object[stack] = Self.stack(index, in: window)
        }
        object["ratio"] = CompareJSON.ratio(native: object["native"]!, compat: object["compat"]!)
        var refusals: [String: CompareJSON] = [:]
        var total = 0.0
        for (index, reason) in CompareLayout.refusalReasons.enumerated() {
            let count = window.end.values[CompareLayout.refusals + index] - window.start.values[CompareLayout.refusals + index]
            refusals[reason] = .number(count)
            total += count
        }
        refusals["total"] = .number(total)
        object["upgradeRefusals"] = .object(refusals)
        return .object(object)
    }

    /// The figures of the stack at `stack` over `window`.
    private static func stack(_ stack: Int, in window: CompareWindow) -> CompareJSON {
        let delta = { (offset: Int) in window.end[stack: stack, offset: offset] - window.start[stack: stack, offset: offset] }
        let perSecond = { (offset: Int) -> CompareJSON in window.seconds > 0 ? .number(delta(offset) / window.seconds) : .null }
        var open: [String: CompareJSON] = [:]
        var opened: [String: CompareJSON] = [:]
        for (index, endpoint) in CompareLayout.endpoints.enumerated() {
            open[endpoint] = .number(window.end[stack: stack, offset: CompareLayout.open + index])
            opened[endpoint] = .number(delta(CompareLayout.opened + index))
        }
        open["total"] = .number((0..<CompareLayout.endpoints.count).reduce(0) { $0 + window.end[stack: stack, offset: CompareLayout.open + $1] })
        opened["total"] = .number((0..<CompareLayout.endpoints.count).reduce(0) { $0 + delta(CompareLayout.opened + $1) })

        let buckets = CompareLayout.bucketBounds.indices.map { delta(CompareLayout.buckets + $0) }
        let quantile = { (q: Double) in CompareJSON.optional(Self.quantile(q, cumulative: buckets).map { $0 * 1e6 }) }

        var closes: [String: CompareJSON] = [:]
        var abnormal = 0.0
        for (index, code) in CompareLayout.closeCodes.enumerated() {
            let count = delta(CompareLayout.closes + index)
            closes[code] = .number(count)
            if CompareLayout.abnormalCloseCodes.contains(code) { abnormal += count }
        }
        closes["total"] = .number((0..<CompareLayout.closeCodes.count).reduce(0) { $0 + delta(CompareLayout.closes + $1) })
        let connectionMinutes = window.connectionSeconds[stack] / 60

        var backpressure: [String: CompareJSON] = [:]
        for (index, kind) in CompareLayout.backpressureKinds.enumerated() {
            backpressure[kind] = .number(delta(CompareLayout.backpressure + index))
        }
        backpressure["total"] = .number((0..<CompareLayout.backpressureKinds.count).reduce(0) { $0 + delta(CompareLayout.backpressure + $1) })

        return .object([
            "connections": .object(["open": .object(open), "opened": .object(opened)]),
            "messagesInPerSecond": perSecond(CompareLayout.messagesIn),
            "messagesOutPerSecond": perSecond(CompareLayout.messagesOut),
            "bytesInPerSecond": perSecond(CompareLayout.bytesIn),
            "bytesOutPerSecond": perSecond(CompareLayout.bytesOut),
            "handling": .object([
                "count": .number(buckets.last ?? 0),
                "p50Microseconds": quantile(0.5),
                "p90Microseconds": quantile(0.9),
                "p99Microseconds": quantile(0.99),
                "buckets": .array(buckets.map(CompareJSON.number)),
            ]),
            "closes": .object(closes),
            "abnormalCloses": .object([
                "count": .number(abnormal),
                "connectionMinutes": .number(connectionMinutes),
                "perConnectionMinute": connectionMinutes > 0 ? .number(abnormal / connectionMinutes) : .null,
            ]),
            "backpressure": .object(backpressure),
        ])
    }

    /// The `q` quantile of a histogram, in seconds, as Prometheus's `histogram_quantile` computes
    /// it: linear within the bucket that holds the rank; the largest finite bound when the rank
    /// falls in `+Inf`.
    ///
    /// - Parameters:
    ///   - q: The quantile, 0 to 1.
    ///   - cumulative: Counts at or under each bound.
    ///   - bounds: The buckets' upper bounds, `+Inf` last; default the server's.
    /// - Returns: `nil` when the histogram is empty or the counts do not match the bounds.
    static func quantile(_ q: Double, cumulative: [Double], bounds: [Double] = CompareLayout.bucketBounds) -> Double? {
        guard let total = cumulative.last, total > 0, cumulative.count == bounds.count, bounds.count >= 2 else { return nil }
        let rank = q * total
        for index in cumulative.indices where cumulative[index] >= rank {
            guard bounds[index].isFinite else { return bounds[index - 1] }
            let lower = index == 0 ? 0 : bounds[index - 1]
            let below = index == 0 ? 0 : cumulative[index - 1]
            let inBucket = cumulative[index] - below
            guard inBucket > 0 else { return bounds[index] }
            return lower + (bounds[index] - lower) * (rank - below) / inBucket
        }
        return bounds[bounds.count - 2]
    }
}
