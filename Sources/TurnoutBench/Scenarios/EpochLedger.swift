/// Loss and order bookkeeping of one numbered stream (a user's JSON events, or its audio frames)
/// when the glasses' socket and the apps' sockets may each be closed with 1012 and reopened.
///
/// A message is **sent on an open socket** when the server processed it: read it off the
/// glasses' socket before that socket's close frame went out. The server reads one socket's
/// frames in order and discards those behind its own close frame (RFC 6455 §5.5.1, the state
/// machine's `closing` state), so what it processed of one glasses socket is a prefix of what
/// the bench wrote on it. The bench cannot see the server read, but it sees the result: the
/// prefix ends at the last message of that socket any app received. The rest of that socket's
/// messages were still in flight when the close went out: its **tail**, accounted for apart.
///
/// Every processed message must reach every app whose socket was bound for it:
/// - on one app socket, from the first message sent after its `tpa_connection_ack` arrived
///   (causality: the ack left after the server bound the socket, and the message after the ack)
///   to the last it received, every message outside a tail arrives, in order (a gap is loss);
/// - across an app's sockets, sequence numbers only grow (a step back is reordering);
/// - what was routed while an app had no bound socket (between its 1012 and its next ack) is
///   **skipped**, as the server does not buffer for a reconnecting app;
/// - at the end, with the glasses and every app connected and the load stopped, each app has the
///   last message.
///
/// A value confined to its driver's event loop, like the driver.
package struct EpochLedger: Sendable {
    /// One receiver's view of the stream.
    package struct Receiver: Sendable {
        /// The highest sequence number received on any socket.
        package var last: UInt64?
        /// The highest received on the current socket; `nil` before its first delivery.
        package var lastOnSocket: UInt64?
        /// The first sequence number the current socket must have, once known (see ``EpochLedger``).
        package var boundFrom: UInt64?
        /// Whether a socket is open and bound.
        package var bound = false
        /// Deliveries received.
        package var received = 0
    }

    /// A run of sequence numbers missing on one receiver's socket: `[from, to)`.
    package struct Gap: Hashable, Sendable {
        package var receiver: Int
        package var from: UInt64
        package var to: UInt64
        /// Whether the receiver had stopped reading around the gap (a slow consumer), so the
        /// server may have dropped audio on purpose.
        package var whileSlow: Bool
    }

    /// How the run went for this stream.
    package struct Verdict: Hashable, Sendable {
        /// Processed messages that did not reach a bound receiver.
        package var lost = 0
        /// Of the gaps, messages dropped while the receiver was slow (audio backpressure).
        package var droppedWhileSlow = 0
        /// Messages in the tails of closed glasses sockets that some bound receiver did not get.
        package var inFlightAtClose = 0
        /// Messages routed while a receiver had no bound socket.
        package var skipped = 0
        /// Deliveries out of sequence, or repeated.
        package var reordered = 0

        /// Creates a verdict; every count defaults to 0.
        package init(lost: Int = 0, droppedWhileSlow: Int = 0, inFlightAtClose: Int = 0, skipped: Int = 0, reordered: Int = 0) {
            self.lost = lost
            self.droppedWhileSlow = droppedWhileSlow
            self.inFlightAtClose = inFlightAtClose
            self.skipped = skipped
            self.reordered = reordered
        }
    }

    /// The first sequence number written on each glasses socket, in order.
    package private(set) var socketStarts: [UInt64] = []
    /// Per glasses socket, the highest sequence number any receiver got from it.
    private var socketHighest: [UInt64?] = []
    /// Messages written so far; the next one gets this number.
    package private(set) var sent: UInt64 = 0
    package private(set) var receivers: [Receiver]
    private var gaps: [Gap] = []
    private var skipped = 0
    private var reordered = 0

    /// A ledger for `receivers` apps, none of them bound yet.
    package init(receivers: Int) {
        self.receivers = Array(repeating: Receiver(), count: receivers)
    }

    // MARK: The glasses

    /// A new glasses socket opened: what is written from now on is its.
    package mutating func glassesSocketOpened() {
        if self.socketStarts.last == self.sent, !self.socketStarts.isEmpty { return }
        self.socketStarts.append(self.sent)
        self.socketHighest.append(nil)
    }

    /// Takes the next sequence number for a message written on the open glasses socket.
    package mutating func nextSequence() -> UInt64 {
        defer { self.sent += 1 }
        return self.sent
    }

    // MARK: The receivers

    /// Receiver `index` has a new socket that the server bound: `resumes` when the server kept the
    /// app's subscriptions (a reconnect after 1012), so what is sent from now on must arrive;
    /// otherwise (a fresh start) from its first delivery, as the subscription lands later.
    package mutating func receiverBound(_ index: Int, resumes: Bool) {
        self.receivers[index].bound = true
        self.receivers[index].lastOnSocket = nil
        self.receivers[index].boundFrom = resumes ? self.sent : nil
    }

    /// From now on every bound receiver whose first socket has no start yet must get every
    /// message: called when the load begins, after every app subscribed.
    package mutating func requireEverythingFromNow() {
        for index in self.receivers.indices where self.receivers[index].bound && self.receivers[index].boundFrom == nil {
            self.receivers[index].boundFrom = self.sent
        }
    }

    /// Receiver `index` lost its socket.
    package mutating func receiverUnbound(_ index: Int) {
        self.receivers[index].bound = false
        self.receivers[index].lastOnSocket = nil
        self.receivers[index].boundFrom = nil
    }

    /// Records that receiver `index` got `sequence`; `slow` when it had stopped reading at some
    /// time since its previous delivery.
    ///
    /// - Returns: `false` when it is out of sequence (a step back or a repeat).
    @discardableResult
    package mutating func record(_ index: Int, sequence: UInt64, slow: Bool = false) -> Bool {
        self.noteHighest(sequence)
        var receiver = self.receivers[index]
        defer { self.receivers[index] = receiver }
        receiver.received += 1
        if let last = receiver.last, sequence <= last {
            self.reordered += 1
            return false
        }
        let expected: UInt64
        if let lastOnSocket = receiver.lastOnSocket {
            expected = lastOnSocket + 1
        } else {
            // The first delivery on this socket: before `boundFrom` the app was not bound.
            let from = receiver.boundFrom.map { min($0, sequence) } ?? sequence
            let previous = receiver.last.map { $0 + 1 } ?? from
            if from > previous { self.skipped += Int(from - previous) }
            expected = max(from, previous)
        }
        if sequence > expected {
            self.gaps.append(Gap(receiver: index, from: expected, to: sequence, whileSlow: slow))
        }
        receiver.last = sequence
        receiver.lastOnSocket = sequence
        return true
    }

    private mutating func noteHighest(_ sequence: UInt64) {
        var socket = self.socketStarts.count - 1
        while socket > 0 && self.socketStarts[socket] > sequence { socket -= 1 }
        guard socket >= 0 else { return }
        self.socketHighest[socket] = max(self.socketHighest[socket] ?? 0, sequence)
    }

    /// The fewest deliveries any receiver has seen: with `sent` messages sent, `sent - slowest`
    /// are outstanding (the fanout scenario's window).
    package var slowest: UInt64 {
        UInt64(self.receivers.map(\.received).min() ?? 0)
    }

    /// Whether every bound receiver has every message sent so far.
    package var isDrained: Bool {
        self.sent == 0 || self.receivers.allSatisfy { !$0.bound || $0.last == self.sent - 1 }
    }

    // MARK: The verdict

    /// The tails of the closed glasses sockets (every socket but the last): `[from, to)` each.
    package var tails: [Range<UInt64>] {
        guard self.socketStarts.count > 1 else { return [] }
        return (0..<(self.socketStarts.count - 1)).compactMap { socket in
            let start = self.socketStarts[socket]
            let end = self.socketStarts[socket + 1]
            let from = self.socketHighest[socket].map { $0 + 1 } ?? start
            return from < end ? from..<end : nil
        }
    }

    /// Tallies every gap against the tails; at the end of a run (`final`) a bound receiver that
    /// misses the last messages has lost them.
    package func verdict(final: Bool) -> Verdict {
        var verdict = Verdict(skipped: self.skipped, reordered: self.reordered)
        let tails = self.tails
        func tally(_ range: Range<UInt64>, whileSlow: Bool) {
            var inTails: UInt64 = 0
            for tail in tails where tail.overlaps(range) {
                inTails += UInt64(tail.clamped(to: range).count)
            }
            let outside = Int(UInt64(range.count) - inTails)
            verdict.inFlightAtClose += Int(inTails)
            if whileSlow { verdict.droppedWhileSlow += outside } else { verdict.lost += outside }
        }
        for gap in self.gaps { tally(gap.from..<gap.to, whileSlow: gap.whileSlow) }
        if final && self.sent > 0 {
            for receiver in self.receivers where receiver.bound {
                let from = receiver.lastOnSocket.map { $0 + 1 } ?? receiver.boundFrom ?? self.sent
                if from < self.sent { tally(from..<self.sent, whileSlow: false) }
            }
        }
        return verdict
    }
}
