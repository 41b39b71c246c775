package import Histogram

/// What the client counted for one stack: messages, bytes, latencies and every kind of failure.
///
/// Each event loop keeps its own (in ``LoopStats``); a run adds them together at the end.
package struct StackCounters: Sendable {
    /// Latencies in nanoseconds: round trips (echo) or glasses→app one-way times.
    package var latency: Histogram<UInt64>
    /// Messages the client sent on the measured path (echo requests, glasses events and audio).
    package var sent = 0
    /// Messages the client received on the measured path (echoes, app deliveries).
    package var received = 0
    /// JSON events the glasses sent.
    package var jsonSent = 0
    /// Audio frames the glasses sent.
    package var audioSent = 0
    /// Audio frames delivered to apps.
    package var audioReceived = 0
    /// Audio bytes delivered to apps.
    package var audioBytesReceived = 0
    /// Deliveries expected but never seen (sent × subscribers − received, after draining).
    package var lost = 0
    /// Deliveries that arrived out of sequence (a gap or a step back).
    package var reordered = 0
    /// Unexpected closes, refusals, malformed deliveries.
    package var errors = 0
    /// Connections that carried load.
    package var connections = 0
    /// Every text or binary message the app sockets received (deliveries, acks, errors): what
    /// the server's `turnout_messages_sent_total{endpoint="app"}` counts.
    package var appFrames = 0
    /// `--reconnect`: users that moved to another instance after a 1001, and how long each move
    /// took (1001 → glasses and every app running again).
    package var moves = 0
    package var reconnectNanoseconds: [UInt64] = []
    /// `--reconnect`: messages the leaving instance never delivered, and users not back by the end.
    package var lostInMove = 0
    package var stillMoving = 0

    /// Empty counters with a histogram from 100 ns to 60 s at three significant digits.
    package init() {
        self.latency = Histogram<UInt64>(lowestDiscernibleValue: 100, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Adds `other`'s counts and latencies to these.
    package mutating func add(_ other: StackCounters) {
        self.latency.add(other.latency)
        self.sent += other.sent
        self.received += other.received
        self.jsonSent += other.jsonSent
        self.audioSent += other.audioSent
        self.audioReceived += other.audioReceived
        self.audioBytesReceived += other.audioBytesReceived
        self.lost += other.lost
        self.reordered += other.reordered
        self.errors += other.errors
        self.connections += other.connections
        self.appFrames += other.appFrames
        self.moves += other.moves
        self.reconnectNanoseconds += other.reconnectNanoseconds
        self.lostInMove += other.lostInMove
        self.stillMoving += other.stillMoving
    }

    /// Records one latency sample, clamped into the histogram's range.
    @inline(__always)
    package mutating func record(nanoseconds: UInt64) {
        _ = self.latency.record(min(max(nanoseconds, 100), 60_000_000_000))
    }
}
