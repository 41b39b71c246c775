import Foundation
package import Logging
import Metrics
import Synchronization
package import TurnoutConfigFile

/// Holds the current ``AppRegistry`` snapshot; reloads from apps.yaml swap it whole.
///
/// Reads copy the snapshot out under a short lock (a reference-count increment), and happen
/// only at `start_app`, app init and app restart, never on the routing path. A reload validates
/// the whole file first; an invalid, unreadable or deleted file keeps the last good registry.
/// Every reload is logged, counted in `turnout_apps_reload_total{result}`, remembered as
/// ``lastReload`` and published on ``reloadEvents()``.
package final class AppRegistryStore: Sendable {
    private struct State {
        var registry: AppRegistry
        var lastState: WatchedFileState?
        var lastReload: AppRegistryReloadEvent?
        var subscribers: [UUID: AsyncStream<AppRegistryReloadEvent>.Continuation] = [:]
    }

    /// The file this store reads, or `nil` for an in-memory registry.
    package let path: String?
    private let state: Mutex<State>
    private let logger: Logger?

    /// Creates an in-memory store holding `registry` (tests, embedding).
    package init(_ registry: AppRegistry = AppRegistry()) {
        self.path = nil
        self.state = Mutex(State(registry: registry))
        self.logger = nil
    }

    private init(path: String, registry: AppRegistry, fileState: WatchedFileState, logger: Logger) {
        self.path = path
        self.state = Mutex(State(registry: registry, lastState: fileState))
        self.logger = logger
    }

    /// Loads apps.yaml at start-up.
    ///
    /// A missing file means an empty registry (no app can connect), logged as a warning.
    /// - Throws: ``ConfigFileErrors`` when the file exists but is invalid or unreadable: start-up
    ///   must stop rather than run with a registry nobody wrote.
    package static func load(path: String, logger: Logger) throws(ConfigFileErrors) -> AppRegistryStore {
        let fileState = WatchedFileState.read(path: path)
        let registry: AppRegistry
        switch fileState {
        case .missing:
            logger.warning("apps file not found; no app can connect until it exists", metadata: ["file": "\(path)"])
            registry = AppRegistry()
        case .unreadable(let reason):
            throw ConfigFileErrors([ConfigFileError(.unreadable, file: path, line: 1, column: 1, message: "cannot read the file: \(reason)")])
        case .contents(let bytes):
            registry = try AppRegistry.decode(bytes, file: path)
        }
        let store = AppRegistryStore(path: path, registry: registry, fileState: fileState, logger: logger)
        store.record(AppRegistryReloadEvent(at: Self.now(), trigger: .startup, result: .applied(apps: registry.apps.count)))
        return store
    }

    /// The current snapshot.
    package var current: AppRegistry {
        self.state.withLock { $0.registry }
    }

    /// Replaces the snapshot; sessions keep running, later inits and starts see the new one.
    package func replace(with registry: AppRegistry) {
        self.state.withLock { $0.registry = registry }
    }

    /// The most recent reload attempt, including the start-up load; `nil` for an in-memory store.
    package var lastReload: AppRegistryReloadEvent? {
        self.state.withLock { $0.lastReload }
    }

    /// A stream of every reload attempt from now on; buffers the newest 64 and ends when the store is released.
    package func reloadEvents() -> AsyncStream<AppRegistryReloadEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: AppRegistryReloadEvent.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        self.state.withLock { $0.subscribers[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Applies what the file now holds: validates it and swaps it in, or keeps the last good registry.
    ///
    /// - Returns: The event that was logged, counted and published.
    @discardableResult
    package func apply(_ fileState: WatchedFileState, trigger: AppRegistryReloadEvent.Trigger) -> AppRegistryReloadEvent {
        let path = self.path ?? "apps.yaml"
        let unchanged = self.state.withLock { state in
            defer { state.lastState = fileState }
            return state.lastState == fileState && state.lastReload?.ok == true
        }
        let result: AppRegistryReloadEvent.Result
        switch fileState {
        case .missing:
            result = .unavailable("\(path): the file is missing; keeping the last good apps")
        case .unreadable(let reason):
            result = .unavailable("\(path): cannot read the file (\(reason)); keeping the last good apps")
        case .contents(let bytes):
            if unchanged {
                result = .unchanged
            } else {
                do {
                    let registry = try AppRegistry.decode(bytes, file: path)
                    self.replace(with: registry)
                    result = .applied(apps: registry.apps.count)
                } catch {
                    result = .rejected(error)
                }
            }
        }
        let event = AppRegistryReloadEvent(at: Self.now(), trigger: trigger, result: result)
        self.record(event)
        return event
    }

    /// Reads the file now and applies it, as SIGHUP does; `nil` for an in-memory store.
    @discardableResult
    package func reloadNow() -> AppRegistryReloadEvent? {
        guard let path = self.path else { return nil }
        return self.apply(WatchedFileState.read(path: path), trigger: .request)
    }

    /// Watches the file and applies every change until the calling task is cancelled; returns at once for an in-memory store.
    ///
    /// - Parameters:
    ///   - configuration: Debounce, poll interval and SIGHUP handling.
    ///   - onReady: Called once the watch is set up, before any change is reported.
    package func watch(configuration: ConfigFileWatcher.Configuration = .init(), onReady: @escaping @Sendable () -> Void = {}) async {
        guard let path = self.path, let logger = self.logger else {
            onReady()
            return
        }
        let watcher = ConfigFileWatcher(path: path, configuration: configuration, logger: logger)
        let baseline = self.state.withLock { $0.lastState } ?? .missing
        await watcher.run(baseline: baseline, onReady: onReady) { [self] fileState, trigger in
            let trigger: AppRegistryReloadEvent.Trigger =
                switch trigger {
                case .event: .event
                case .poll: .poll
                case .request: .request
                }
            self.apply(fileState, trigger: trigger)
        }
    }

    private func record(_ event: AppRegistryReloadEvent) {
        let subscribers = self.state.withLock { state in
            state.lastReload = event
            return Array(state.subscribers.values)
        }
        Counter(label: "turnout_apps_reload_total", dimensions: [("result", event.resultLabel)]).increment()
        if let logger = self.logger {
            var metadata: Logger.Metadata = ["file": "\(self.path ?? "")", "trigger": "\(event.trigger.rawValue)", "result": "\(event.resultLabel)"]
            switch event.result {
            case .applied(let apps):
                metadata["apps"] = "\(apps)"
                logger.info("apps loaded", metadata: metadata)
            case .unchanged:
                logger.debug("apps unchanged", metadata: metadata)
            case .rejected, .unavailable:
                metadata["error"] = "\(event.error ?? "")"
                logger.error("apps reload failed; keeping the last good apps", metadata: metadata)
            }
        }
        for subscriber in subscribers {
            subscriber.yield(event)
        }
    }

    private static func now() -> Timestamp {
        WallClock.system.now()
    }
}
