import Metrics

/// The metric objects of one connection, created once at open (never per message).
///
/// Names follow docs/architecture.md "Observability"; every metric carries `stack` and `endpoint`.
struct ConnectionMetrics: Sendable {
    private let dimensions: [(String, String)]
    private let messagesReceived: Counter
    private let bytesReceived: Counter
    private let messagesSent: Counter
    private let bytesSent: Counter
    /// Lock-free, unlike swift-metrics' `Timer` under swift-prometheus (see the type).
    private let handling: HandlingTimeHistogram
    private let active: Meter
    /// The stack's ramp-guard counters; `nil` for a stack the guard does not compare.
    private let signals: StackSignals.Recorder?
    private let clock: StackSignals

    init(stack: TransportStack, endpoint: ConnectionEndpoint, signals: StackSignals) {
        self.signals = signals.recorder(for: stack)
        self.clock = signals
        let dimensions = [("stack", stack.label), ("endpoint", endpoint.rawValue)]
        self.dimensions = dimensions
        self.messagesReceived = Counter(label: "turnout_messages_received_total", dimensions: dimensions)
        self.bytesReceived = Counter(label: "turnout_bytes_received_total", dimensions: dimensions)
        self.messagesSent = Counter(label: "turnout_messages_sent_total", dimensions: dimensions)
        self.bytesSent = Counter(label: "turnout_bytes_sent_total", dimensions: dimensions)
        self.handling = HandlingTimeHistograms.shared.histogram(stack: stack, endpoint: endpoint)
        self.active = Meter(label: "turnout_connections_active", dimensions: dimensions)
    }

    /// Counts an opened connection: `turnout_connections_total` and `turnout_connections_active`.
    func opened() {
        Counter(label: "turnout_connections_total", dimensions: self.dimensions).increment()
        self.active.increment()
        self.signals?.opened(at: self.clock.now)
    }

    /// Counts a closed connection: `turnout_connections_active` and `turnout_closes_total{code}`.
    func closed(code: UInt16?) {
        self.active.decrement()
        self.signals?.closed(at: self.clock.now, code: code)
        Counter(label: "turnout_closes_total", dimensions: self.dimensions + [("code", code.map { String($0) } ?? "none")]).increment()
    }

    func received(bytes: Int) {
        self.messagesReceived.increment()
        self.bytesReceived.increment(by: bytes)
    }

    /// Counts a frame the connection took (accepted or queued); a dropped frame was never sent.
    /// The stacks count the backpressure itself, by kind, in `turnout_backpressure_events_total`.
    func sent(bytes: Int, result: SendResult) {
        guard result != .dropped else { return }
        self.messagesSent.increment()
        self.bytesSent.increment(by: bytes)
    }

    func handled(nanoseconds: Int64) {
        self.handling.record(nanoseconds: nanoseconds)
        self.signals?.handled(nanoseconds: nanoseconds)
    }
}
