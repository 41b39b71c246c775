/// Order and loss bookkeeping of one numbered stream (0, 1, 2, …) delivered to several
/// receivers: what a closed-loop window and the end-of-run loss count need.
///
/// A value confined to its driver's event loop, like the driver itself.
struct DeliveryLedger {
    /// Per receiver: the sequence number it should see next.
    private var expected: [UInt64]
    /// Per receiver: deliveries seen, in order or not.
    private var received: [UInt64]

    /// A ledger for `receivers` receivers, none of which has seen anything.
    init(receivers: Int) {
        self.expected = Array(repeating: 0, count: receivers)
        self.received = Array(repeating: 0, count: receivers)
    }

    /// Records that `receiver` got message `sequence`.
    ///
    /// - Returns: `false` when it is out of sequence (a gap or a step back); the receiver then
    ///   expects the message after the highest it has seen.
    @inline(__always)
    mutating func record(_ receiver: Int, sequence: UInt64) -> Bool {
        self.received[receiver] += 1
        if sequence == self.expected[receiver] {
            self.expected[receiver] += 1
            return true
        }
        self.expected[receiver] = max(self.expected[receiver], sequence + 1)
        return false
    }

    /// The fewest deliveries any receiver has seen: with `sent` messages sent, `sent - slowest`
    /// are outstanding (not yet at every receiver).
    var slowest: UInt64 {
        self.received.min() ?? .max
    }

    /// Whether every receiver has seen `sent` deliveries.
    func hasAll(_ sent: UInt64) -> Bool {
        self.received.allSatisfy { $0 >= sent }
    }

    /// Deliveries of `sent` messages that have not arrived, over all receivers.
    func missing(of sent: UInt64) -> Int {
        self.received.indices.reduce(0) { $0 + self.missing(of: sent, at: $1) }
    }

    /// Deliveries of `sent` messages that have not arrived at `receiver`.
    func missing(of sent: UInt64, at receiver: Int) -> Int {
        Int(sent > self.received[receiver] ? sent - self.received[receiver] : 0)
    }
}
