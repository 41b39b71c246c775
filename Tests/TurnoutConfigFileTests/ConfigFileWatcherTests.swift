import Foundation
import Logging
import Testing
import TurnoutConfigFile

/// What each of the watcher's two sources catches on its own. The inotify tests poll once an
/// hour, so a change they see can only have come through inotify; they fail (at the time limit)
/// when inotify handling is broken. Every test waits on the watcher's deliveries; none sleeps.
@Suite("ConfigFileWatcher: inotify and the poll, each on its own", .timeLimit(.minutes(1)))
struct ConfigFileWatcherTests {
    /// Longer than any test runs: only inotify can deliver within it.
    static let inotifyOnly = ConfigFileWatcher.Configuration(debounce: .milliseconds(20), pollInterval: .seconds(3600), fileEvents: .inotify)

    @Test("an edit in place is seen through inotify (trigger event) while the poll is an hour away")
    func editSeenThroughInotify() async throws {
        try await withWatcher(initial: "version: 1\n", configuration: Self.inotifyOnly) { fixture in
            try fixture.write("version: 2\n")
            let delivery = try await fixture.next { $0.state == .contents(Array("version: 2\n".utf8)) }
            #expect(delivery.trigger == .event)
        }
    }

    @Test("with file events off, the poll alone catches a change (trigger poll)")
    func pollAloneCatchesChange() async throws {
        let configuration = ConfigFileWatcher.Configuration(debounce: .milliseconds(20), pollInterval: .milliseconds(50), fileEvents: .pollOnly)
        try await withWatcher(initial: "version: 1\n", configuration: configuration) { fixture in
            try fixture.write("version: 2\n")
            let delivery = try await fixture.next { $0.state == .contents(Array("version: 2\n".utf8)) }
            #expect(delivery.trigger == .poll)
        }
    }

    @Test("a Kubernetes ConfigMap swap (..data renamed to a new version) is seen through inotify")
    func configMapSwapSeenThroughInotify() async throws {
        let directory = try Self.temporaryDirectory()
        try Self.publish("version: 1\n", as: "..2026_11_30_01", in: directory)
        #expect(symlink("..data/config.yaml", directory.appendingPathComponent("config.yaml").path) == 0)
        try await withWatcher(directory: directory, initial: nil, configuration: Self.inotifyOnly) { fixture in
            #expect(WatchedFileState.read(path: fixture.path) == .contents(Array("version: 1\n".utf8)))
            try Self.publish("version: 2\n", as: "..2026_11_30_02", in: directory)
            let delivery = try await fixture.next { $0.state == .contents(Array("version: 2\n".utf8)) }
            #expect(delivery.trigger == .event)
        }
    }

    @Test("a requested reload is delivered at once even when nothing changed (trigger request)")
    func requestedReload() async throws {
        try await withWatcher(initial: "version: 1\n", configuration: Self.inotifyOnly) { fixture in
            fixture.watcher.requestReload()
            let delivery = try await fixture.next { _ in true }
            #expect(delivery.trigger == .request)
            #expect(delivery.state == .contents(Array("version: 1\n".utf8)))
        }
    }

    // MARK: Fixture

    /// One state the watcher delivered, and why.
    struct Delivery: Sendable {
        var state: WatchedFileState
        var trigger: ReloadEvent.Trigger
    }

    struct Fixture {
        let watcher: ConfigFileWatcher
        let path: String
        let deliveries: AsyncStream<Delivery>

        /// Replaces the file's contents in place.
        func write(_ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: [])
        }

        /// Waits for the first delivery that satisfies `predicate`.
        func next(_ predicate: (Delivery) -> Bool) async throws -> Delivery {
            for await delivery in deliveries where predicate(delivery) {
                return delivery
            }
            throw CancellationError()
        }
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Publishes `text` as a ConfigMap does: a new `..<timestamp>` directory, then a new `..data`
    /// symlink to it renamed over the old one with rename(2), so the swap is one atomic step.
    static func publish(_ text: String, as version: String, in directory: URL) throws {
        let versionDirectory = directory.appendingPathComponent(version)
        try FileManager.default.createDirectory(at: versionDirectory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: versionDirectory.appendingPathComponent("config.yaml"))
        let temporaryLink = directory.appendingPathComponent("..data_tmp")
        #expect(symlink(version, temporaryLink.path) == 0)
        #expect(rename(temporaryLink.path, directory.appendingPathComponent("..data").path) == 0)
    }

    /// Runs `body` while a watcher watches `config.yaml` in `directory` (a new temporary one by default).
    func withWatcher(
        directory: URL? = nil,
        initial: String?,
        configuration: ConfigFileWatcher.Configuration,
        _ body: (Fixture) async throws -> Void
    ) async throws {
        let directory = try directory ?? Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("config.yaml").path
        if let initial {
            try Data(initial.utf8).write(to: URL(fileURLWithPath: path))
        }
        let watcher = ConfigFileWatcher(path: path, configuration: configuration, logger: Logger(label: "watcher-tests"))
        let (deliveries, continuation) = AsyncStream.makeStream(of: Delivery.self)
        let fixture = Fixture(watcher: watcher, path: path, deliveries: deliveries)
        try await withThrowingTaskGroup(of: Void.self) { group in
            await withCheckedContinuation { (ready: CheckedContinuation<Void, Never>) in
                group.addTask {
                    await watcher.run(baseline: WatchedFileState.read(path: path), onReady: { ready.resume() }) { state, trigger in
                        continuation.yield(Delivery(state: state, trigger: trigger))
                    }
                    continuation.finish()
                }
            }
            try await body(fixture)
            group.cancelAll()
        }
    }
}
