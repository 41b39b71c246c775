import Atomics
import Foundation
public import Logging
import Metrics
import Synchronization
public import TurnoutConfigFile

/// Serves the current flag snapshot and replaces it when flags.yaml changes.
///
/// Reads are lock-free: ``snapshot`` is an atomic load of an immutable object, so a decision on
/// the upgrade path never waits for a reload, and a reload never waits for decisions. Writers
/// (the file watcher, SIGHUP, tests) validate a whole file first and then swap it in at once;
/// an invalid or deleted file keeps the last good snapshot.
///
/// Every reload is logged, counted in `turnout_flags_reload_total{result}`, remembered as
/// ``lastReload`` and published on ``reloadEvents()``.
public final class FlagStore: Sendable {
    /// The file this store reads, as given.
    public let path: String

    private let current: ManagedAtomic<FlagSnapshot>
    private let state: Mutex<State>
    private let logger: Logger

    private struct State {
        var lastState: WatchedFileState
        var lastReload: FlagReloadEvent?
        var subscribers: [UUID: AsyncStream<FlagReloadEvent>.Continuation] = [:]
    }

    /// Creates a store that serves `snapshot`, read from `path` whose bytes were `fileState`.
    package init(path: String, snapshot: FlagSnapshot, fileState: WatchedFileState, logger: Logger) {
        self.path = path
        self.current = ManagedAtomic(snapshot)
        self.state = Mutex(State(lastState: fileState))
        self.logger = logger
        Self.recordPercentages(of: snapshot)
    }

    /// Loads `path` at start-up.
    ///
    /// A missing file means the built-in default (everyone on compat), logged as a warning.
    /// - Throws: ``ConfigFileErrors`` when the file exists but is invalid or unreadable: start-up
    ///   must stop rather than run with a configuration nobody wrote.
    public static func load(path: String, logger: Logger) throws(ConfigFileErrors) -> FlagStore {
        let fileState = WatchedFileState.read(path: path)
        let snapshot: FlagSnapshot
        switch fileState {
        case .missing:
            logger.warning("flags file not found; serving the built-in default (everyone on compat)", metadata: ["file": "\(path)"])
            snapshot = .builtInDefault()
        case .unreadable(let reason):
            throw ConfigFileErrors([ConfigFileError(.unreadable, file: path, line: 1, column: 1, message: "cannot read the file: \(reason)")])
        case .contents(let bytes):
            snapshot = FlagSnapshot(file: try FlagFile.decode(bytes, file: path), source: path)
        }
        let store = FlagStore(path: path, snapshot: snapshot, fileState: fileState, logger: logger)
        store.record(FlagReloadEvent(at: Date(), trigger: .startup, result: .applied(generation: snapshot.generation)))
        return store
    }

    /// The snapshot now being served. Lock-free.
    public var snapshot: FlagSnapshot {
        current.load(ordering: .acquiring)
    }

    /// Chooses the stack for a connection from the current snapshot.
    /// See ``FlagSnapshot/decide(userId:endpoint:flag:)``.
    @inline(__always)
    public func decide(userId: String?, endpoint: Endpoint, flag: String = FlagFile.nativeTransport) -> Decision {
        snapshot.decide(userId: userId, endpoint: endpoint, flag: flag)
    }

    /// The most recent reload attempt, including the start-up load.
    public var lastReload: FlagReloadEvent? {
        state.withLock { $0.lastReload }
    }

    /// A stream of every reload attempt from now on, for tests and the admin port.
    ///
    /// The stream buffers the newest 64 events and ends when the store is released.
    public func reloadEvents() -> AsyncStream<FlagReloadEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: FlagReloadEvent.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        state.withLock { $0.subscribers[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Applies what the file now holds: validates it and swaps it in, or keeps the last good snapshot.
    ///
    /// - Returns: The event that was logged, counted and published.
    @discardableResult
    package func apply(_ fileState: WatchedFileState, trigger: FlagReloadEvent.Trigger) -> FlagReloadEvent {
        let unchanged = state.withLock { state in
            defer { state.lastState = fileState }
            return state.lastState == fileState && state.lastReload?.ok == true
        }
        let result: FlagReloadEvent.Result
        switch fileState {
        case .missing:
            result = .unavailable("\(path): the file is missing; keeping the last good flags")
        case .unreadable(let reason):
            result = .unavailable("\(path): cannot read the file (\(reason)); keeping the last good flags")
        case .contents(let bytes):
            if unchanged {
                result = .unchanged
            } else {
                do {
                    let file = try FlagFile.decode(bytes, file: path)
                    let generation = snapshot.generation + 1
                    let next = FlagSnapshot(file: file, source: path, generation: generation)
                    current.store(next, ordering: .releasing)
                    Self.recordPercentages(of: next)
                    result = .applied(generation: generation)
                } catch {
                    result = .rejected(error)
                }
            }
        }
        let event = FlagReloadEvent(at: Date(), trigger: trigger, result: result)
        record(event)
        return event
    }

    /// Reads the file now and applies it, as SIGHUP does.
    @discardableResult
    public func reloadNow() -> FlagReloadEvent {
        apply(WatchedFileState.read(path: path), trigger: .request)
    }

    /// Watches the file and applies every change until the calling task is cancelled.
    ///
    /// - Parameters:
    ///   - configuration: Debounce, poll interval and SIGHUP handling.
    ///   - onReady: Called once the watch is set up, before any change is reported.
    package func watch(configuration: ConfigFileWatcher.Configuration = .init(), onReady: @escaping @Sendable () -> Void = {}) async {
        let watcher = ConfigFileWatcher(path: path, configuration: configuration, logger: logger)
        let baseline = state.withLock { $0.lastState }
        await watcher.run(baseline: baseline, onReady: onReady) { [self] fileState, trigger in
            let trigger: FlagReloadEvent.Trigger =
                switch trigger {
                case .event: .event
                case .poll: .poll
                case .request: .request
                }
            apply(fileState, trigger: trigger)
        }
    }

    private func record(_ event: FlagReloadEvent) {
        let subscribers = state.withLock { state in
            state.lastReload = event
            return Array(state.subscribers.values)
        }
        Counter(label: "turnout_flags_reload_total", dimensions: [("result", event.resultLabel)]).increment()
        var metadata: Logger.Metadata = ["file": "\(path)", "trigger": "\(event.trigger.rawValue)", "result": "\(event.resultLabel)"]
        switch event.result {
        case .applied(let generation):
            metadata["generation"] = "\(generation)"
            logger.info("flags loaded", metadata: metadata)
        case .unchanged:
            logger.debug("flags unchanged", metadata: metadata)
        case .rejected, .unavailable:
            metadata["error"] = "\(event.error ?? "")"
            logger.error("flags reload failed; keeping the last good flags", metadata: metadata)
        }
        for subscriber in subscribers {
            subscriber.yield(event)
        }
    }

    private static func recordPercentages(of snapshot: FlagSnapshot) {
        for flag in snapshot.file.flags {
            let effective = flag.enabled ? Double(flag.percentage.hundredths) / 100 : 0
            Gauge(label: "turnout_flag_percentage", dimensions: [("flag", flag.name)]).record(effective)
        }
    }
}
