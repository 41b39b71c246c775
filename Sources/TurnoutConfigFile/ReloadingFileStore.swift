package import Atomics
import Foundation
package import Logging
import Metrics
import NIOConcurrencyHelpers
import Synchronization

/// Serves the value decoded from one configuration file and replaces it whenever the file changes.
///
/// Reads are lock-free: ``value`` is one atomic load of an immutable box, so a reader on the
/// upgrade path never waits for a reload and a reload never waits for readers. Writers (the file
/// watcher, an explicit reload, tests) decode and validate the whole file first and swap the
/// result in at once; an invalid, unreadable or deleted file keeps the last good value.
///
/// Every attempt is logged, counted in the kind's ``ConfigFileKind/reloadCounter`` by `result`,
/// remembered as ``lastReload`` and in the bounded ``history`` (with the file's SHA-256 and, for
/// an applied reload, the kind's ``ConfigFileKind/diff``), and published on ``reloadEvents()``. flags.yaml and apps.yaml are
/// two instances, told apart by their ``ConfigFileKind``.
package final class ReloadingFileStore<Value: Sendable>: Sendable {
    /// The file this store reads, as given; empty for a store made with ``init(fixed:kind:)``.
    package let path: String
    /// How the file is decoded and named.
    package let kind: ConfigFileKind<Value>

    @usableFromInline
    let current: ManagedAtomic<Installed>
    private let state: NIOLockedValueBox<State>
    private let subscribers = ReloadEventSubscribers<ReloadEvent>()
    private let logger: Logger

    /// One served value and its generation; immutable, swapped whole.
    @usableFromInline
    final class Installed: AtomicReference, Sendable {
        @usableFromInline
        let value: Value
        let generation: Int

        init(_ value: Value, generation: Int) {
            self.value = value
            self.generation = generation
        }
    }

    private struct State {
        /// What the file held at the last attempt; `nil` before the first, or without a file.
        var lastState: WatchedFileState?
        var lastReload: ReloadEvent?
        /// The last ``ReloadHistory/defaultCapacity`` attempts.
        var history = ReloadHistory()
        /// The SHA-256 of the bytes the served value was decoded from; `nil` without a file.
        var servedSHA256: String?
        /// The watcher of a running ``watch(configuration:onReady:)``, which performs requested reloads.
        var watcher: ConfigFileWatcher?
    }

    /// Creates a store that serves `value`, read from `path` whose contents were `fileState`.
    ///
    /// Nothing is logged or counted; ``load(path:kind:logger:)`` is the start-up path.
    package init(path: String, value: Value, fileState: WatchedFileState?, kind: ConfigFileKind<Value>, logger: Logger) {
        self.path = path
        self.kind = kind
        self.current = ManagedAtomic(Installed(value, generation: 1))
        var initial = State(lastState: fileState)
        if case .contents(let bytes) = fileState { initial.servedSHA256 = WatchedFileState.sha256(of: bytes) }
        self.state = NIOLockedValueBox(initial)
        self.logger = logger
        kind.didInstall(value, nil)
    }

    /// Creates a store that serves `value` with no file behind it, for tests and embedding.
    ///
    /// Its ``path`` is empty, ``watch(configuration:onReady:)`` returns at once, and it logs nothing.
    package convenience init(fixed value: Value, kind: ConfigFileKind<Value>) {
        self.init(path: "", value: value, fileState: nil, kind: kind, logger: Logger(label: "turnout.\(kind.noun)") { _ in SwiftLogNoOpLogHandler() })
    }

    /// Loads `path` at start-up.
    ///
    /// A missing file means the kind's ``ConfigFileKind/fallback``, logged as a warning.
    /// - Throws: ``ConfigFileErrors`` when the file exists but is invalid or unreadable: start-up
    ///   must stop rather than run with a configuration nobody wrote.
    package static func load(path: String, kind: ConfigFileKind<Value>, logger: Logger) throws(ConfigFileErrors) -> ReloadingFileStore<Value> {
        let fileState = WatchedFileState.read(path: path)
        let value: Value
        switch fileState {
        case .missing:
            logger.warning("\(kind.missingAtStartup)", metadata: ["file": "\(path)"])
            value = kind.fallback(1)
        case .unreadable(let reason):
            throw ConfigFileErrors([ConfigFileError(.unreadable, file: path, line: 1, column: 1, message: "cannot read the file: \(reason)")])
        case .contents(let bytes):
            value = try kind.decode(bytes, path, 1)
        }
        let store = ReloadingFileStore(path: path, value: value, fileState: fileState, kind: kind, logger: logger)
        store.record(ReloadEvent(at: Date(), trigger: .startup, result: .applied(generation: 1), sha256: fileState.sha256), value: value)
        return store
    }

    /// The value now being served. Lock-free and allocation-free: one atomic load.
    @inlinable
    package var value: Value {
        current.load(ordering: .acquiring).value
    }

    /// The most recent attempt, the start-up load included; `nil` for a store that never loaded a file.
    package var lastReload: ReloadEvent? {
        state.withLockedValue { $0.lastReload }
    }

    /// The last ``ReloadHistory/defaultCapacity`` attempts, newest first, the start-up load included.
    package var history: [ReloadEvent] {
        state.withLockedValue { $0.history.newestFirst }
    }

    /// The lowercase hex SHA-256 of the file the value now served was decoded from; `nil` when
    /// no file is behind it (the fallback, a fixed store).
    package var servedSHA256: String? {
        state.withLockedValue { $0.servedSHA256 }
    }

    /// A stream of every attempt from now on, for tests and services that react to reloads.
    ///
    /// The stream buffers the newest 64 events and ends when the store is released.
    package func reloadEvents() -> AsyncStream<ReloadEvent> {
        subscribers.subscribe()
    }

    /// Applies what the file now holds: decodes it and swaps it in, or keeps the last good value.
    ///
    /// - Parameters:
    ///   - fileState: The file's contents, or why there are none.
    ///   - trigger: Why this attempt runs, as reported in its event.
    /// - Returns: The event that was logged, counted and published.
    @discardableResult
    package func apply(_ fileState: WatchedFileState, trigger: ReloadEvent.Trigger) -> ReloadEvent {
        let unchanged = state.withLockedValue { state in
            defer { state.lastState = fileState }
            return state.lastState == fileState && state.lastReload?.ok == true
        }
        let result: ReloadEvent.Result
        var installed: Value?
        var changes: [String] = []
        switch fileState {
        case .missing:
            result = .unavailable("\(path): the file is missing; keeping the last good \(kind.noun)")
        case .unreadable(let reason):
            result = .unavailable("\(path): cannot read the file (\(reason)); keeping the last good \(kind.noun)")
        case .contents(let bytes):
            if unchanged {
                result = .unchanged
            } else {
                do {
                    let previous = current.load(ordering: .acquiring)
                    let generation = previous.generation + 1
                    let value = try kind.decode(bytes, path, generation)
                    current.store(Installed(value, generation: generation), ordering: .releasing)
                    changes = kind.diff(previous.value, value)
                    kind.didInstall(value, previous.value)
                    installed = value
                    result = .applied(generation: generation)
                } catch {
                    result = .rejected(error)
                }
            }
        }
        let event = ReloadEvent(at: Date(), trigger: trigger, result: result, sha256: fileState.sha256, changes: changes)
        record(event, value: installed)
        return event
    }

    /// Serves `value` from now on without reading the file (tests, embedding).
    ///
    /// Readers see it at once, as after a reload; nothing is logged, counted or published.
    package func replace(with value: Value) {
        let previous = current.load(ordering: .acquiring)
        current.store(Installed(value, generation: previous.generation + 1), ordering: .releasing)
        kind.didInstall(value, previous.value)
    }

    /// Reads the file now and applies it on the calling thread (trigger `request`).
    @discardableResult
    package func reloadNow() -> ReloadEvent {
        apply(WatchedFileState.read(path: path), trigger: .request)
    }

    /// Asks for a reload that is applied even when the file did not change (trigger `request`), as SIGHUP does.
    ///
    /// While ``watch(configuration:onReady:)`` runs, its watcher thread performs the reload, so it
    /// is applied in order with the watcher's own; otherwise it is applied at once on the calling
    /// thread. Either way the outcome arrives on ``reloadEvents()``.
    package func requestReload() {
        if let watcher = state.withLockedValue({ $0.watcher }) {
            watcher.requestReload()
        } else {
            reloadNow()
        }
    }

    /// Watches the file and applies every change until the calling task is cancelled.
    ///
    /// Returns at once (after calling `onReady`) for a store made with ``init(fixed:kind:)``.
    /// - Parameters:
    ///   - configuration: Debounce, poll interval and how file events are watched.
    ///   - onReady: Called once the watch is set up, before any change is reported.
    package func watch(configuration: ConfigFileWatcher.Configuration = .init(), onReady: @escaping @Sendable () -> Void = {}) async {
        guard !path.isEmpty else {
            onReady()
            return
        }
        let watcher = ConfigFileWatcher(path: path, configuration: configuration, logger: logger)
        let baseline = state.withLockedValue { state in
            state.watcher = watcher
            return state.lastState
        }
        await watcher.run(baseline: baseline ?? .missing, onReady: onReady) { [self] fileState, trigger in
            apply(fileState, trigger: trigger)
        }
        state.withLockedValue { state in
            if state.watcher === watcher { state.watcher = nil }
        }
    }

    private func record(_ event: ReloadEvent, value: Value?) {
        state.withLockedValue { state in
            state.lastReload = event
            state.history.append(event)
            if value != nil { state.servedSHA256 = event.sha256 }
        }
        Counter(label: kind.reloadCounter, dimensions: [("result", event.resultLabel)]).increment()
        var metadata: Logger.Metadata = ["file": "\(path)", "trigger": "\(event.trigger.rawValue)", "result": "\(event.resultLabel)"]
        switch event.result {
        case .applied:
            if let value {
                metadata.merge(kind.describe(value)) { _, described in described }
            }
            if let sha256 = event.sha256 { metadata["sha256"] = "\(sha256)" }
            if !event.changes.isEmpty { metadata["diff"] = "\(event.changes.joined(separator: "; "))" }
            logger.info("\(kind.noun) loaded", metadata: metadata)
        case .unchanged:
            logger.debug("\(kind.noun) unchanged", metadata: metadata)
        case .rejected, .unavailable:
            metadata["error"] = "\(event.error ?? "")"
            logger.error("\(kind.noun) reload failed; keeping the last good \(kind.noun)", metadata: metadata)
        }
        subscribers.publish(event)
    }
}
