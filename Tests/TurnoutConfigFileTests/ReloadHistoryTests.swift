import Foundation
import Testing
import TurnoutConfigFile

@Suite("ReloadHistory")
struct ReloadHistoryTests {
    static func event(_ generation: Int) -> ReloadEvent {
        ReloadEvent(at: Date(timeIntervalSince1970: Double(generation)), trigger: .poll, result: .applied(generation: generation))
    }

    @Test("the ring keeps the newest events, newest first, and never more than its capacity")
    func ring() {
        var history = ReloadHistory(capacity: 3)
        #expect(history.newestFirst.isEmpty)
        history.append(Self.event(1))
        history.append(Self.event(2))
        #expect(history.newestFirst.map(\.generation) == [2, 1])
        for generation in 3...7 { history.append(Self.event(generation)) }
        #expect(history.count == 3)
        #expect(history.newestFirst.map(\.generation) == [7, 6, 5])
        #expect(ReloadHistory().capacity == 100)
    }

    @Test("the SHA-256 is sha256sum's")
    func sha256() {
        #expect(WatchedFileState.sha256(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(WatchedFileState.missing.sha256 == nil)
    }
}
