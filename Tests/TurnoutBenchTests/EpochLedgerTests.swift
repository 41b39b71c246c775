import Testing
import TurnoutBench

/// The loss and order accounting across 1012 reconnects: what counts as sent on an open socket,
/// what is skipped while an app is away, and what is lost.
@Suite("Epoch ledger: loss and order across reconnects")
struct EpochLedgerTests {
    /// A ledger with `receivers` apps bound before anything is sent, `sent` messages written on
    /// one glasses socket.
    static func ledger(receivers: Int = 1, sent: Int) -> EpochLedger {
        var ledger = EpochLedger(receivers: receivers)
        ledger.glassesSocketOpened()
        for index in 0..<receivers { ledger.receiverBound(index, resumes: true) }
        for _ in 0..<sent { _ = ledger.nextSequence() }
        return ledger
    }

    @Test("everything delivered in order on one socket: clean, drained")
    func clean() {
        var ledger = Self.ledger(receivers: 2, sent: 5)
        for receiver in 0..<2 {
            for sequence in 0..<5 {
                let inOrder = ledger.record(receiver, sequence: UInt64(sequence))
                #expect(inOrder)
            }
        }
        #expect(ledger.isDrained)
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict())
    }

    @Test("a gap on one app socket is loss; the missing tail at the end is loss too")
    func gapOnOneSocket() {
        var ledger = Self.ledger(sent: 6)
        ledger.record(0, sequence: 0)
        ledger.record(0, sequence: 3)
        ledger.record(0, sequence: 4)
        #expect(!ledger.isDrained)
        #expect(ledger.verdict(final: false) == EpochLedger.Verdict(lost: 2))
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict(lost: 3))
    }

    @Test("a step back or a repeat is reordering, across sockets too")
    func reordering() {
        var ledger = Self.ledger(sent: 4)
        let answers = [
            ledger.record(0, sequence: 0),
            ledger.record(0, sequence: 1),
            ledger.record(0, sequence: 1),
        ]
        ledger.receiverUnbound(0)
        ledger.receiverBound(0, resumes: true)
        let afterReconnect = ledger.record(0, sequence: 0)
        #expect(answers == [true, true, false])
        #expect(!afterReconnect)
        #expect(ledger.verdict(final: false).reordered == 2)
    }

    @Test("what is routed while an app is between sockets is skipped, not lost")
    func appReconnects() {
        var ledger = Self.ledger(sent: 3)
        for sequence in 0..<3 { ledger.record(0, sequence: UInt64(sequence)) }
        ledger.receiverUnbound(0)
        for _ in 0..<4 { _ = ledger.nextSequence() }  // 3...6 while the app is away
        ledger.receiverBound(0, resumes: true)  // acked: 7 and later must arrive
        for _ in 0..<3 { _ = ledger.nextSequence() }  // 7...9
        for sequence in 7..<10 { ledger.record(0, sequence: UInt64(sequence)) }
        #expect(ledger.isDrained)
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict(skipped: 4))
    }

    @Test("after its ack, a reconnected app that misses a message has lost it")
    func lossAfterAck() {
        var ledger = Self.ledger(sent: 2)
        ledger.record(0, sequence: 0)
        ledger.record(0, sequence: 1)
        ledger.receiverUnbound(0)
        _ = ledger.nextSequence()  // 2, away
        ledger.receiverBound(0, resumes: true)
        for _ in 0..<3 { _ = ledger.nextSequence() }  // 3...5, bound
        ledger.record(0, sequence: 4)
        ledger.record(0, sequence: 5)
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict(lost: 1, skipped: 1))
    }

    @Test("messages the glasses wrote after the server's close frame left are in flight, not lost")
    func glassesTail() {
        var ledger = Self.ledger(receivers: 2, sent: 5)  // 0...4 on the first glasses socket
        for receiver in 0..<2 {
            for sequence in 0..<3 { ledger.record(receiver, sequence: UInt64(sequence)) }
        }
        // The server processed 0...2; 3 and 4 followed its 1012.
        ledger.glassesSocketOpened()
        for _ in 0..<3 { _ = ledger.nextSequence() }  // 5...7 on the second socket
        for receiver in 0..<2 {
            for sequence in 5..<8 { ledger.record(receiver, sequence: UInt64(sequence)) }
        }
        #expect(ledger.tails == [3..<5])
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict(inFlightAtClose: 4))
    }

    @Test("a message of a closed glasses socket that one app got and another missed is lost")
    func tailEndsAtWhatAnyAppGot() {
        var ledger = Self.ledger(receivers: 2, sent: 4)
        for sequence in 0..<4 { ledger.record(0, sequence: UInt64(sequence)) }
        for sequence in 0..<2 { ledger.record(1, sequence: UInt64(sequence)) }
        ledger.glassesSocketOpened()
        _ = ledger.nextSequence()  // 4
        ledger.record(0, sequence: 4)
        ledger.record(1, sequence: 4)
        #expect(ledger.tails.isEmpty)
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict(lost: 2))
    }

    @Test("gaps at a slow consumer are counted apart")
    func slowConsumer() {
        var ledger = Self.ledger(sent: 5)
        ledger.record(0, sequence: 0)
        ledger.record(0, sequence: 4, slow: true)
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict(droppedWhileSlow: 3))
    }

    @Test("a freshly started app owes nothing before its first delivery; a restarted one skips what it was away for")
    func freshStart() {
        var ledger = EpochLedger(receivers: 1)
        ledger.glassesSocketOpened()
        for _ in 0..<5 { _ = ledger.nextSequence() }
        ledger.receiverBound(0, resumes: false)
        ledger.record(0, sequence: 3)
        ledger.record(0, sequence: 4)
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict())
        ledger.receiverUnbound(0)
        for _ in 0..<3 { _ = ledger.nextSequence() }  // 5...7
        ledger.receiverBound(0, resumes: false)  // stop_app, start_app: subscribes after its ack
        ledger.record(0, sequence: 7)
        #expect(ledger.verdict(final: true) == EpochLedger.Verdict(skipped: 2))
    }
}
