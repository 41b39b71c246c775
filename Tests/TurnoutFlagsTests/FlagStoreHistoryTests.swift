import Foundation
import Logging
import NIOConcurrencyHelpers
import Testing
import TurnoutConfigFile

@testable import TurnoutFlags

/// The audit trail of the flag store: the history ring, the file's hash and the diff in the log.
/// Reloads are applied directly on the test's thread, so nothing waits.
@Suite("FlagStore history")
struct FlagStoreHistoryTests {
    static func flags(_ percentage: String) -> [UInt8] {
        Array("version: 1\nflags:\n  native-transport:\n    percentage: \(percentage)\n".utf8)
    }

    static let silent = Logger(label: "history") { _ in SwiftLogNoOpLogHandler() }

    @Test("each attempt is kept newest first with its trigger, result, SHA-256 and diff, or its error")
    func history() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-history-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("flags.yaml").path
        try Data(Self.flags("5")).write(to: URL(fileURLWithPath: path))
        let store = try FlagStore.load(path: path, logger: Self.silent)
        #expect(store.servedSHA256 == WatchedFileState.sha256(of: Self.flags("5")))

        store.apply(.contents(Self.flags("25")), trigger: .event)
        store.apply(.contents(Self.flags("25")), trigger: .poll)
        store.apply(.contents(Array("version: 1\nflags:\n  native-transport:\n    percentge: 5\n".utf8)), trigger: .request)
        store.apply(.missing, trigger: .event)

        let history = store.history
        #expect(history.map(\.trigger) == [.event, .request, .poll, .event, .startup])
        #expect(history.map(\.resultLabel) == ["unavailable", "invalid", "unchanged", "applied", "applied"])
        #expect(history[3].changes == ["native-transport.percentage: 5 → 25"])
        #expect(history[3].sha256 == WatchedFileState.sha256(of: Self.flags("25")))
        #expect(history[3].generation == 2)
        #expect(history[4].changes.isEmpty)
        #expect(history[1].error?.hasPrefix("\(path):3:3: flag 'native-transport' is missing the required key 'percentage'") == true)
        #expect(history[0].sha256 == nil)
        #expect(store.servedSHA256 == WatchedFileState.sha256(of: Self.flags("25")))
    }

    @Test("the ring holds the last 100 attempts")
    func bounded() {
        let store = FlagStore(path: "/nonexistent/flags.yaml", snapshot: .builtInDefault(), fileState: .missing, logger: Self.silent)
        for index in 0..<130 {
            store.apply(.contents(Self.flags("\(index % 100)")), trigger: .poll)
        }
        #expect(store.history.count == 100)
        #expect(store.history.first?.changes == ["native-transport.percentage: 28 → 29"])
    }

    @Test("the flags loaded log line carries the diff and the hash")
    func logLine() throws {
        let lines = LogLines()
        let logger = Logger(label: #function) { _ in CapturingLogHandler(lines: lines) }
        let store = FlagStore(
            path: "flags.yaml",
            snapshot: FlagSnapshot(file: try FlagFile.decode(Self.flags("5"), file: "f"), source: "f"),
            fileState: .contents(Self.flags("5")),
            logger: logger
        )
        store.apply(.contents(Self.flags("25")), trigger: .event)
        let loaded = try #require(lines.lines.withLockedValue { $0.first { $0.message == "flags loaded" } })
        #expect(loaded.metadata["diff"] == "native-transport.percentage: 5 → 25")
        #expect(loaded.metadata["sha256"] == "\(WatchedFileState.sha256(of: Self.flags("25")))")
        #expect(loaded.metadata["trigger"] == "event")
    }
}

/// Every log line's message and metadata.
private final class LogLines: Sendable {
    let lines = NIOLockedValueBox<[(message: String, metadata: Logger.Metadata)]>([])
}

/// Keeps every log line in a ``LogLines``.
private struct CapturingLogHandler: LogHandler {
    let lines: LogLines
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.lines.withLockedValue { $0.append(("\(event.message)", metadata.merging(event.metadata ?? [:]) { $1 })) }
    }
}
