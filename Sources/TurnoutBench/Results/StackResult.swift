/// One stack's figures from one measurement, or the medians over several.
package struct StackResult: Codable, Hashable, Sendable {
    /// `compat` or `native`.
    package var stack: BenchStack
    /// Messages per second on the measured path: echoes received, or app deliveries.
    package var messagesPerSecond: Double
    /// Latency percentiles in microseconds: round trip (echo) or glasses→app (glasses, fanout).
    package var p50Micros: Double
    /// 99th percentile, µs.
    package var p99Micros: Double
    /// 99.9th percentile, µs.
    package var p999Micros: Double
    /// The latency CDF at ``LatencyPoint/percentiles``, µs (empty when nothing was measured);
    /// the HTML report plots it.
    package var latencyCDF: [LatencyPoint]
    /// Audio bytes delivered to apps per second (glasses only; 0 otherwise).
    package var audioBytesPerSecond: Double
    /// Server CPU while loaded, % of one core; `nil` when the server's pid is unknown.
    package var serverCPUPercent: Double?
    /// The bench's own CPU over the same window, % of one core.
    package var clientCPUPercent: Double
    /// Server RSS growth per open connection, KiB; `nil` when unknown.
    package var rssPerConnectionKiB: Double?
    /// Connections that carried load.
    package var connections: Int
    /// Messages sent and received on the measured path.
    package var sent: Int
    /// See ``sent``.
    package var received: Int
    /// Unexpected closes, refusals and malformed deliveries.
    package var errors: Int
    /// Deliveries that never arrived.
    package var drops: Int
    /// Deliveries out of sequence.
    package var reordered: Int
    /// Disagreements between these counts and the server's `/metrics` (empty when they agree or
    /// the scenario has no core counters).
    package var metricsMismatches: [String]
    /// App deliveries on this stack as the server's `/metrics` counted them over the measurement
    /// (`turnout_messages_sent_total{endpoint="app"}`); `nil` where the scenario has no core
    /// counters (echo).
    package var metricsDeliveries: Int?

    /// Creates a result from every figure.
    package init(
        stack: BenchStack,
        messagesPerSecond: Double,
        p50Micros: Double,
        p99Micros: Double,
        p999Micros: Double,
        latencyCDF: [LatencyPoint] = [],
        audioBytesPerSecond: Double,
        serverCPUPercent: Double?,
        clientCPUPercent: Double,
        rssPerConnectionKiB: Double?,
        connections: Int,
        sent: Int,
        received: Int,
        errors: Int,
        drops: Int,
        reordered: Int,
        metricsMismatches: [String],
        metricsDeliveries: Int? = nil
    ) {
        self.stack = stack
        self.messagesPerSecond = messagesPerSecond
        self.p50Micros = p50Micros
        self.p99Micros = p99Micros
        self.p999Micros = p999Micros
        self.latencyCDF = latencyCDF
        self.audioBytesPerSecond = audioBytesPerSecond
        self.serverCPUPercent = serverCPUPercent
        self.clientCPUPercent = clientCPUPercent
        self.rssPerConnectionKiB = rssPerConnectionKiB
        self.connections = connections
        self.sent = sent
        self.received = received
        self.errors = errors
        self.drops = drops
        self.reordered = reordered
        self.metricsMismatches = metricsMismatches
        self.metricsDeliveries = metricsDeliveries
    }

    /// Server CPU time per message on the measured path, µs: ``serverCPUPercent`` over
    /// ``messagesPerSecond``. It compares stacks fairly when the one-core client, not the server,
    /// limits the rate. `nil` without a server sample or without traffic.
    package var serverMicrosPerMessage: Double? {
        guard let cpu = self.serverCPUPercent, self.messagesPerSecond > 0 else { return nil }
        return cpu * 10_000 / self.messagesPerSecond
    }

    /// Whether this result shows any loss, reordering, error or metrics mismatch.
    package var isClean: Bool {
        self.errors == 0 && self.drops == 0 && self.reordered == 0 && self.metricsMismatches.isEmpty
    }

    /// The median of each figure over `results` (all of one stack); counts of failures are
    /// summed, not medians, so one bad round shows.
    package static func median(of results: [StackResult]) -> StackResult? {
        guard var first = results.first else { return nil }
        func med(_ path: KeyPath<StackResult, Double>) -> Double { Median.of(results.map { $0[keyPath: path] }) }
        func medOptional(_ path: KeyPath<StackResult, Double?>) -> Double? {
            let values = results.compactMap { $0[keyPath: path] }
            return values.isEmpty ? nil : Median.of(values)
        }
        first.messagesPerSecond = med(\.messagesPerSecond)
        first.p50Micros = med(\.p50Micros)
        first.p99Micros = med(\.p99Micros)
        first.p999Micros = med(\.p999Micros)
        first.latencyCDF = LatencyPoint.median(of: results.map(\.latencyCDF))
        first.audioBytesPerSecond = med(\.audioBytesPerSecond)
        first.serverCPUPercent = medOptional(\.serverCPUPercent)
        first.clientCPUPercent = med(\.clientCPUPercent)
        first.rssPerConnectionKiB = medOptional(\.rssPerConnectionKiB)
        first.sent = results.reduce(0) { $0 + $1.sent }
        first.received = results.reduce(0) { $0 + $1.received }
        first.errors = results.reduce(0) { $0 + $1.errors }
        first.drops = results.reduce(0) { $0 + $1.drops }
        first.reordered = results.reduce(0) { $0 + $1.reordered }
        first.metricsMismatches = results.flatMap(\.metricsMismatches)
        let deliveries = results.compactMap(\.metricsDeliveries)
        first.metricsDeliveries = deliveries.count == results.count ? deliveries.reduce(0, +) : nil
        return first
    }
}
