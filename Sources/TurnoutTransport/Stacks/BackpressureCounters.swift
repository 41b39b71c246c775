import Metrics
import Synchronization
package import TurnoutCore

/// The backpressure events of one stack: `turnout_backpressure_events_total{stack,kind}`.
///
/// One instance per stack, created with the stack (never per message). Every event is also kept
/// in an atomic so that tests and admin answers can read the counts without a metrics backend.
package final class BackpressureCounters: Sendable {
    /// The kind of a backpressure event: the `kind` label.
    package enum Kind: String, Sendable, CaseIterable {
        /// A binary (audio) send while the socket was not writable.
        case audioDropped = "audio_dropped"
        /// A text send queued while the socket was not writable.
        case textQueued = "text_queued"
        /// A connection closed with 1008 `Slow consumer` because its text queue overflowed.
        case slowConsumerClose = "slow_consumer_close"
    }

    private let audioDropped: Counter
    private let textQueued: Counter
    private let slowConsumerClose: Counter
    private let audioDroppedCount = Atomic<Int>(0)
    private let textQueuedCount = Atomic<Int>(0)
    private let slowConsumerCloseCount = Atomic<Int>(0)

    /// Creates the counters of one stack.
    package init(stack: TransportStack) {
        func counter(_ kind: Kind) -> Counter {
            Counter(label: "turnout_backpressure_events_total", dimensions: [("stack", stack.label), ("kind", kind.rawValue)])
        }
        self.audioDropped = counter(.audioDropped)
        self.textQueued = counter(.textQueued)
        self.slowConsumerClose = counter(.slowConsumerClose)
    }

    /// Counts one event.
    func record(_ kind: Kind) {
        switch kind {
        case .audioDropped:
            self.audioDropped.increment()
            self.audioDroppedCount.add(1, ordering: .relaxed)
        case .textQueued:
            self.textQueued.increment()
            self.textQueuedCount.add(1, ordering: .relaxed)
        case .slowConsumerClose:
            self.slowConsumerClose.increment()
            self.slowConsumerCloseCount.add(1, ordering: .relaxed)
        }
    }

    /// How many events of this kind the stack has counted since it was created.
    package func count(_ kind: Kind) -> Int {
        switch kind {
        case .audioDropped: self.audioDroppedCount.load(ordering: .relaxed)
        case .textQueued: self.textQueuedCount.load(ordering: .relaxed)
        case .slowConsumerClose: self.slowConsumerCloseCount.load(ordering: .relaxed)
        }
    }

    /// Every event of every kind: what the ramp guard compares.
    package var total: Int {
        Kind.allCases.reduce(0) { $0 + self.count($1) }
    }
}
