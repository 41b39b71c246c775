import Foundation
import Logging
import Testing
import TurnoutConfigFile

@testable import TurnoutFlags

/// Reload tests run against real files in a temporary directory and wait on the store's own
/// reload events; none of them sleeps. The watcher polls only once an hour here, so every change
/// below is seen through inotify (ConfigFileWatcherTests covers the poll on its own).
@Suite("FlagStore reload", .timeLimit(.minutes(1)))
struct FlagStoreReloadTests {
    static func flags(_ percentage: String, extra: String = "") -> String {
        "version: 1\nflags:\n  native-transport:\n    percentage: \(percentage)\n\(extra)"
    }

    @Test("a write in place is picked up")
    func inPlaceWrite() async throws {
        try await withWatchedStore(initial: Self.flags("5")) { fixture in
            try fixture.write(Self.flags("25"))
            let event = try await fixture.next { $0.ok && fixture.store.snapshot.file.flags.first?.percentage.hundredths == 2500 }
            #expect(event.resultLabel == "applied")
            #expect(event.trigger == .event)
        }
    }

    @Test("a write to a temporary file and a rename, as editors save, is picked up")
    func renameIntoPlace() async throws {
        try await withWatchedStore(initial: Self.flags("5")) { fixture in
            let temporary = fixture.directory.appendingPathComponent(".flags.yaml.swp")
            try Data(Self.flags("12.5").utf8).write(to: temporary)
            #expect(rename(temporary.path, fixture.path) == 0)
            let event = try await fixture.next { _ in fixture.percentage == 1250 }
            #expect(event.trigger == .event)
        }
    }

    @Test("Kubernetes ConfigMap symlink swaps are picked up through inotify, one after another, old versions removed")
    func configMapSwap() async throws {
        let directory = try Self.temporaryDirectory()
        let fileManager = FileManager.default
        func publish(_ text: String, as name: String) throws {
            let version = directory.appendingPathComponent(name)
            try fileManager.createDirectory(at: version, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: version.appendingPathComponent("flags.yaml"))
            let temporaryLink = directory.appendingPathComponent("..data_tmp")
            #expect(symlink(name, temporaryLink.path) == 0)
            #expect(rename(temporaryLink.path, directory.appendingPathComponent("..data").path) == 0)
        }
        try publish(Self.flags("1"), as: "..2026_11_28_01")
        #expect(symlink("..data/flags.yaml", directory.appendingPathComponent("flags.yaml").path) == 0)

        try await withWatchedStore(directory: directory, initial: nil) { fixture in
            #expect(fixture.percentage == 100)
            // As the kubelet does on every update: new version, ..data swapped, old version removed.
            // The poll is an hour away, so each reload can only have come through inotify.
            for (step, (percentage, hundredths)) in [("50", 5000), ("25", 2500)].enumerated() {
                try publish(Self.flags(percentage), as: "..2026_11_28_0\(step + 2)")
                try fileManager.removeItem(at: directory.appendingPathComponent("..2026_11_28_0\(step + 1)"))
                let event = try await fixture.next { _ in fixture.percentage == hundredths }
                #expect(event.trigger == .event)
            }
        }
    }

    @Test("an invalid edit keeps the last good snapshot and reports where; the fix is then applied")
    func invalidThenFix() async throws {
        try await withWatchedStore(initial: Self.flags("5")) { fixture in
            try fixture.write(Self.flags("5", extra: "    percentge: 6\n"))
            let rejected = try await fixture.next { !$0.ok }
            #expect(rejected.error == "\(fixture.path):5:5: unknown key 'percentge'; did you mean 'percentage'?")
            #expect(fixture.percentage == 500)
            #expect(fixture.store.snapshot.generation == 1)
            #expect(fixture.store.lastReload?.ok == false)

            try fixture.write(Self.flags("6"))
            let applied = try await fixture.next { $0.ok }
            #expect(applied.resultLabel == "applied")
            #expect(fixture.percentage == 600)
        }
    }

    @Test("deleting the file keeps the last good snapshot; re-creating it is applied")
    func deleteThenRecreate() async throws {
        try await withWatchedStore(initial: Self.flags("5")) { fixture in
            try FileManager.default.removeItem(atPath: fixture.path)
            let missing = try await fixture.next { !$0.ok }
            #expect(missing.error == "\(fixture.path): the file is missing; keeping the last good flags")
            #expect(fixture.percentage == 500)

            try fixture.write(Self.flags("7"))
            _ = try await fixture.next { _ in fixture.percentage == 700 }
        }
    }

    @Test("100 rapid edits: the last one wins")
    func rapidEdits() async throws {
        try await withWatchedStore(initial: Self.flags("0")) { fixture in
            for index in 1...100 {
                try fixture.write(Self.flags("\(index / 4).\(index % 4 * 25)"))
            }
            // The 100th edit is 25.00 %.
            _ = try await fixture.next { _ in fixture.percentage == 2500 }
            let confirmed = fixture.store.reloadNow()
            #expect(confirmed.ok)
            #expect(fixture.percentage == 2500)
        }
    }

    @Test("a requested reload is applied at once, even when nothing changed")
    func requestedReload() async throws {
        try await withWatchedStore(initial: Self.flags("5")) { fixture in
            fixture.store.requestReload()
            let event = try await fixture.next { $0.trigger == .request }
            #expect(event.resultLabel == "unchanged")
        }
    }

    @Test("start-up: a missing file is the built-in default; an invalid one is an error")
    func startup() throws {
        let directory = try Self.temporaryDirectory()
        let missing = try FlagStore.load(path: directory.appendingPathComponent("flags.yaml").path, logger: Logger(label: #function))
        #expect(missing.snapshot.source == "built-in default")
        #expect(missing.decide(userId: "a@b.c", endpoint: .glasses).stack == .compat)

        let invalid = directory.appendingPathComponent("bad.yaml")
        try Data("version: 1\nflags:\n  f:\n    percentage: 500\n".utf8).write(to: invalid)
        #expect(throws: ConfigFileErrors.self) { try FlagStore.load(path: invalid.path, logger: Logger(label: #function)) }
    }

    // MARK: Fixture

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-flags-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    struct Fixture {
        let store: FlagStore
        let directory: URL
        var path: String { store.path }
        let events: AsyncStream<ReloadEvent>

        var percentage: Int? { store.snapshot.file.flags.first?.percentage.hundredths }

        func write(_ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: [])
        }

        /// Waits for the first reload event that satisfies `predicate`.
        func next(_ predicate: (ReloadEvent) -> Bool) async throws -> ReloadEvent {
            for await event in events where predicate(event) {
                return event
            }
            throw CancellationError()
        }
    }

    func withWatchedStore(
        directory: URL? = nil,
        initial: String?,
        _ body: (Fixture) async throws -> Void
    ) async throws {
        let directory = try directory ?? Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("flags.yaml").path
        if let initial {
            try Data(initial.utf8).write(to: URL(fileURLWithPath: path))
        }
        let store = try FlagStore.load(path: path, logger: Logger(label: "test"))
        let fixture = Fixture(store: store, directory: directory, events: store.reloadEvents())
        let configuration = ConfigFileWatcher.Configuration(debounce: .milliseconds(20), pollInterval: .seconds(3600))
        try await withThrowingTaskGroup(of: Void.self) { group in
            await withCheckedContinuation { (ready: CheckedContinuation<Void, Never>) in
                group.addTask { await store.watch(configuration: configuration) { ready.resume() } }
            }
            try await body(fixture)
            group.cancelAll()
        }
    }
}
