import Foundation
import Testing
import TurnoutCore
import TurnoutFlags

@testable import TurnoutGuard

@Suite("GuardMonitor and WindowVerdict")
struct GuardMonitorTests {
    /// One stack's window: `closes` abnormal closes over `connections` connections open for the
    /// whole minute, and `messages` messages of 50 µs (plus `slow` of 5 ms).
    static func window(closes: Int = 0, connections: Int = 300, messages: Int = 1000, slow: Int = 0, backpressure: Int = 0) -> StackWindow {
        let start = StackSignals.Cumulative(connectionsActive: connections)
        let end = StackSignals.Cumulative(
            abnormalCloses: closes,
            connectionsActive: connections,
            connectionNanoseconds: connections * 60_000_000_000,
            backpressureEvents: backpressure,
            handling: QuantileComparisonTests.histogram([(50_000, messages), (5_000_000, slow)])
        )
        return StackWindow(from: start, to: end)
    }

    static let policy = GuardPolicy(minSamples: 200, consecutive: 3)

    @Test("a handful of closes at 1 % never trips it")
    func handfulOfCloses() {
        // 300 connections a stack, up to 5 % of them closing abnormally on native (15) against
        // none to a handful on compat: never significant at p < 0.001, over a thousand windows.
        var monitor = GuardMonitor(policy: Self.policy)
        for round in 0..<1000 {
            let native = Self.window(closes: 3 + round % 3)
            let compat = Self.window(closes: round % 2)
            let verdict = WindowVerdict(policy: Self.policy, native: native, compat: compat)
            #expect(verdict.results[0].verdict == .good)
            let outcome = monitor.record(verdict, at: Date())
            #expect(outcome == nil)
        }
        // The worst of it: 5 closes against 0 is past the ratio, p = (2/3)^5 = 0.1317.
        let worst = WindowVerdict(policy: Self.policy, native: Self.window(closes: 5), compat: Self.window(closes: 0))
        #expect(BinomialTailTests.close(worst.results[0].pValue, 0.13168724279835387))
        #expect(worst.firstBad == nil)
    }

    @Test("below min_samples on either stack there is no verdict, however bad native looks")
    func minSamples() {
        let verdict = WindowVerdict(policy: Self.policy, native: Self.window(closes: 150, connections: 150), compat: Self.window(connections: 150))
        #expect(verdict.results[0].verdict == .noVerdict)
        #expect(verdict.results[0].pValue == 1)
        #expect(verdict.results[0].nativeSamples == 150)
    }

    @Test("40 closes against 2: bad, and the third bad window in a row trips it with its figures")
    func tripsOnCloses() throws {
        var monitor = GuardMonitor(policy: Self.policy)
        let bad = WindowVerdict(policy: Self.policy, native: Self.window(closes: 40), compat: Self.window(closes: 2))
        let result = try #require(bad.firstBad)
        #expect(result.signal == .abnormalCloses)
        #expect(BinomialTailTests.close(result.pValue, 9.536155863268847e-06))
        #expect(result.native == 40.0 / 300)
        #expect(result.compat == 2.0 / 300)
        let time = Date(timeIntervalSince1970: 1_800_000_000)
        let first = monitor.record(bad, at: time)
        let second = monitor.record(bad, at: time)
        #expect(first == nil && second == nil)
        #expect(monitor.state == .armed(badWindows: 2))
        let tripped = monitor.record(bad, at: time)
        let trip = try #require(tripped)
        #expect(trip == GuardTrip(result: result, at: time, windows: 3, action: .rollback))
        #expect(monitor.trip == trip)
        // Tripped stays tripped whatever the windows say, until re-armed.
        let afterTrip = monitor.record(WindowVerdict(policy: Self.policy, native: Self.window(), compat: Self.window()), at: time)
        #expect(afterTrip == nil)
        #expect(monitor.trip == trip)
        monitor.rearm(policy: Self.policy)
        #expect(monitor.state == .armed(badWindows: 0))
    }

    @Test("a good window between bad ones starts the count again")
    func goodWindowBreaksTheRun() {
        var monitor = GuardMonitor(policy: Self.policy)
        let bad = WindowVerdict(policy: Self.policy, native: Self.window(closes: 40), compat: Self.window(closes: 2))
        let good = WindowVerdict(policy: Self.policy, native: Self.window(), compat: Self.window())
        for verdict in [bad, bad, good, bad, bad] {
            let outcome = monitor.record(verdict, at: Date())
            #expect(outcome == nil)
        }
        #expect(monitor.state == .armed(badWindows: 2))
    }

    @Test("a slow native tail trips on handling_p99; backpressure on its own ratio")
    func otherSignals() {
        // 20 of 1,000 above 1.5 × compat's p99 is past the ratio but p = 0.0033: not bad.
        let tail = WindowVerdict(policy: Self.policy, native: Self.window(messages: 980, slow: 20), compat: Self.window())
        #expect(tail.firstBad == nil)
        #expect(BinomialTailTests.close(tail.results[1].pValue, 0.0032883597877274664))
        // 30 of 1,000: p = 2.06e-07, bad.
        let slow = WindowVerdict(policy: Self.policy, native: Self.window(messages: 970, slow: 30), compat: Self.window())
        #expect(slow.firstBad?.signal == .handlingP99)
        #expect(BinomialTailTests.close(slow.firstBad?.pValue ?? 1, 2.0599888509719576e-07))
        let pressured = WindowVerdict(policy: Self.policy, native: Self.window(backpressure: 60), compat: Self.window(backpressure: 3))
        #expect(pressured.firstBad?.signal == .backpressure)
        #expect(BinomialTailTests.close(pressured.firstBad?.pValue ?? 1, 4.419749124133845e-08))
        let alike = WindowVerdict(policy: Self.policy, native: Self.window(backpressure: 6), compat: Self.window(backpressure: 3))
        #expect(alike.firstBad == nil)
    }

    @Test("connections are those open at the start plus those opened; minutes from the integral")
    func stackWindow() {
        let start = StackSignals.Cumulative(abnormalCloses: 4, connectionsOpened: 10, connectionsActive: 7, connectionNanoseconds: 60_000_000_000)
        let end = StackSignals.Cumulative(abnormalCloses: 9, connectionsOpened: 15, connectionsActive: 8, connectionNanoseconds: 180_000_000_000)
        let window = StackWindow(from: start, to: end)
        #expect(window.abnormalCloses == 5)
        #expect(window.connections == 12)
        #expect(window.connectionMinutes == 2)
    }
}
