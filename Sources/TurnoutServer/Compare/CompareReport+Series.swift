extension CompareReport {
    /// Samples between two points of ``series(_:)``: one point per 10 s, 90 over 15 minutes
    /// (every sample while the history holds 10 or fewer).
    static let seriesStep = 5

    /// The dashboard's charts: per stack, one value per 10 s interval over the history.
    ///
    /// - Returns: `{"stepSeconds", "secondsAgo": [end of each interval], "compat": {…}, "native": {…}}`
    ///   where each stack has arrays, one entry per interval: `open` (connections at its end),
    ///   `messagesInPerSecond`, `messagesOutPerSecond`, `p99Microseconds` (`null` without
    ///   messages), `abnormalPerConnectionMinute` (`null` without connections) and
    ///   `backpressurePerSecond`.
    static func series(_ history: CompareHistory) -> CompareJSON {
        // Early in the server's life every sample is a point, so the charts move from the start.
        let step = history.count > 2 * Self.seriesStep ? Self.seriesStep : 1
        let points = history.points(step: step)
        let intervals = zip(points, points.dropFirst()).map { start, end in
            CompareWindow(
                seconds: start.secondsAgo - end.secondsAgo,
                start: start.reading,
                end: end.reading,
                connectionSeconds: CompareLayout.stacks.indices.map { stack in
                    (Self.openConnections(start.reading, stack) + Self.openConnections(end.reading, stack)) / 2 * (start.secondsAgo - end.secondsAgo)
                }
            )
        }
        var object: [String: CompareJSON] = [
            "stepSeconds": .number(Double(step) * Double(CompareHistory.interval.components.seconds)),
            "secondsAgo": .array(points.dropFirst().map { .number($0.secondsAgo) }),
        ]
        for (stack, name) in CompareLayout.stacks.enumerated() {
            var columns: [String: [CompareJSON]] = [:]
            for window in intervals {
                let delta = { (offset: Int) in window.end[stack: stack, offset: offset] - window.start[stack: stack, offset: offset] }
                let rate = { (offset: Int) -> CompareJSON in window.seconds > 0 ? .number(delta(offset) / window.seconds) : .null }
                let buckets = CompareLayout.bucketBounds.indices.map { delta(CompareLayout.buckets + $0) }
                let abnormal = CompareLayout.closeCodes.indices
                    .filter { CompareLayout.abnormalCloseCodes.contains(CompareLayout.closeCodes[$0]) }
                    .reduce(0.0) { $0 + delta(CompareLayout.closes + $1) }
                let minutes = window.connectionSeconds[stack] / 60
                let backpressure = CompareLayout.backpressureKinds.indices.reduce(0.0) { $0 + delta(CompareLayout.backpressure + $1) }
                columns["open", default: []].append(.number(Self.openConnections(window.end, stack)))
                columns["messagesInPerSecond", default: []].append(rate(CompareLayout.messagesIn))
                columns["messagesOutPerSecond", default: []].append(rate(CompareLayout.messagesOut))
                columns["p99Microseconds", default: []].append(.optional(Self.quantile(0.99, cumulative: buckets).map { $0 * 1e6 }))
                columns["abnormalPerConnectionMinute", default: []].append(minutes > 0 ? .number(abnormal / minutes) : .null)
                columns["backpressurePerSecond", default: []].append(window.seconds > 0 ? .number(backpressure / window.seconds) : .null)
            }
            let names = [
                "open", "messagesInPerSecond", "messagesOutPerSecond", "p99Microseconds", "abnormalPerConnectionMinute", "backpressurePerSecond",
            ]
            object[name] = .object(Dictionary(uniqueKeysWithValues: names.map { ($0, CompareJSON.array(columns[$0] ?? [])) }))
        }
        return .object(object)
    }

    private static func openConnections(_ reading: CompareReading, _ stack: Int) -> Double {
        CompareLayout.endpoints.indices.reduce(0) { $0 + reading[stack: stack, offset: CompareLayout.open + $1] }
    }
}
