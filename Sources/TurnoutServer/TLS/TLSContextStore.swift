import Atomics
import Foundation
package import Logging
import Metrics
import NIOConcurrencyHelpers
package import NIOSSL
import Synchronization
package import TurnoutConfigFile

/// The TLS certificate and key one port serves, replaced when their files change, without a restart.
///
/// Each accepted connection reads the pair in force once (``makeServerHandler()``: one atomic load
/// of an immutable ``TLSCertificatePair``), so a new pair reaches new connections at once and
/// established connections keep the one they were accepted with. Reloads read both files, check
/// them as start-up does, and swap the new pair in; a pair that cannot be served (unreadable, not
/// PEM, a key that does not match) keeps the last good one, logged as an error and counted.
///
/// ``watch(configuration:onReady:)`` watches both files with ``ConfigFileWatcher`` (inotify on
/// each file's directory plus a poll), so cert-manager's rotation, a Kubernetes secret mount
/// swapping its `..data` symlink for both files at once, is seen. Reloads run one at a time.
package final class TLSContextStore: Sendable {
    /// The files of the pair.
    package let files: TLSFiles
    /// `public` or `admin`: the `port` label of logs and `turnout_tls_reload_total`.
    package let port: String
    private let current: ManagedAtomic<TLSCertificatePair>
    private let state = NIOLockedValueBox(State())
    private let subscribers = ReloadEventSubscribers<TLSReloadEvent>()
    /// Serializes reloads from the two watcher threads and SIGHUP: read, check and swap in one at a time.
    private let reloading = NIOLock()
    private let logger: Logger

    private struct State {
        /// The certificate file's watcher while ``watch(configuration:onReady:)`` runs; it performs requested reloads.
        var watcher: ConfigFileWatcher?
    }

    /// Loads the pair at start-up.
    ///
    /// - Parameters:
    ///   - files: The certificate chain and key.
    ///   - port: `public` or `admin`, for logs and metrics.
    /// - Throws: ``TLSCertificateError`` naming the file at fault: start-up must stop rather than
    ///   serve without the configured certificate.
    package static func load(files: TLSFiles, port: String, logger: Logger) throws(TLSCertificateError) -> TLSContextStore {
        let pair = try TLSCertificatePair.load(files)
        let store = TLSContextStore(pair: pair, port: port, logger: logger)
        logger.info("TLS certificate loaded", metadata: store.metadata(pair))
        return store
    }

    private init(pair: TLSCertificatePair, port: String, logger: Logger) {
        self.files = pair.files
        self.port = port
        self.current = ManagedAtomic(pair)
        self.logger = logger
    }

    /// The pair now served to new connections. Lock-free: one atomic load.
    package var certificate: TLSCertificatePair {
        current.load(ordering: .acquiring)
    }

    /// A TLS server handler for a connection just accepted, with the pair in force now.
    ///
    /// Call once per connection, on its event loop, and put the handler first in its pipeline.
    package func makeServerHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: certificate.context)
    }

    /// A stream of every reload attempt from now on; it buffers the newest 64 and ends when the store goes.
    package func reloadEvents() -> AsyncStream<TLSReloadEvent> {
        subscribers.subscribe()
    }

    /// Reads both files now and serves them if they changed and can be served; otherwise keeps the current pair.
    ///
    /// Runs on the calling thread, one reload at a time. - Returns: The event that was logged, counted and published.
    @discardableResult
    package func reload(trigger: ReloadEvent.Trigger) -> TLSReloadEvent {
        reloading.withLock {
            let installed = certificate
            let result: TLSReloadEvent.Result
            do throws(TLSCertificateError) {
                let certificateBytes = try TLSCertificatePair.read(files.certificatePath, what: "TLS certificate")
                let keyBytes = try TLSCertificatePair.read(files.keyPath, what: "TLS private key")
                if certificateBytes == installed.certificateBytes && keyBytes == installed.keyBytes {
                    result = .unchanged
                } else {
                    let pair = try TLSCertificatePair(files: files, certificateBytes: certificateBytes, keyBytes: keyBytes)
                    current.store(pair, ordering: .releasing)
                    result = .applied(serialNumber: pair.serialNumber)
                }
            } catch {
                result = .rejected(error)
            }
            let event = TLSReloadEvent(at: Date(), trigger: trigger, result: result)
            record(event)
            return event
        }
    }

    /// Asks for a reload even if no file event was seen (trigger `request`), as SIGHUP does.
    ///
    /// While ``watch(configuration:onReady:)`` runs, the certificate's watcher thread performs it;
    /// otherwise it runs at once on the calling thread.
    package func requestReload() {
        if let watcher = state.withLockedValue({ $0.watcher }) {
            watcher.requestReload()
        } else {
            reload(trigger: .request)
        }
    }

    /// Watches both files and reloads on every change until the calling task is cancelled.
    ///
    /// - Parameters:
    ///   - configuration: Debounce, poll interval and how file events are watched.
    ///   - onReady: Called once both watches are set up.
    package func watch(configuration: ConfigFileWatcher.Configuration = .init(), onReady: @escaping @Sendable () -> Void = {}) async {
        let installed = certificate
        let watched: [(ConfigFileWatcher, WatchedFileState)] = [
            (ConfigFileWatcher(path: files.certificatePath, configuration: configuration, logger: logger), .contents(installed.certificateBytes)),
            (ConfigFileWatcher(path: files.keyPath, configuration: configuration, logger: logger), .contents(installed.keyBytes)),
        ]
        let certificateWatcher = watched[0].0
        state.withLockedValue { $0.watcher = certificateWatcher }
        let ready = ManagedAtomic(0)
        await withTaskGroup(of: Void.self) { group in
            for (watcher, baseline) in watched {
                group.addTask {
                    await watcher.run(
                        baseline: baseline,
                        onReady: {
                            if ready.wrappingIncrementThenLoad(ordering: .acquiringAndReleasing) == 2 { onReady() }
                        },
                        onChange: { [self] _, trigger in
                            // Either file changed: read both, so a pair is always checked as a pair.
                            reload(trigger: trigger)
                        }
                    )
                }
            }
        }
        state.withLockedValue { state in
            if state.watcher === certificateWatcher { state.watcher = nil }
        }
    }

    private func record(_ event: TLSReloadEvent) {
        Counter(label: "turnout_tls_reload_total", dimensions: [("port", port), ("result", event.resultLabel)]).increment()
        var metadata: Logger.Metadata = ["port": "\(port)", "trigger": "\(event.trigger.rawValue)", "result": "\(event.resultLabel)"]
        switch event.result {
        case .applied:
            metadata.merge(self.metadata(certificate)) { _, new in new }
            logger.info("TLS certificate loaded", metadata: metadata)
        case .unchanged:
            logger.debug("TLS certificate unchanged", metadata: metadata)
        case .rejected(let error):
            metadata["error"] = "\(error)"
            logger.error("TLS certificate reload failed; keeping the last good certificate", metadata: metadata)
        }
        subscribers.publish(event)
    }

    private func metadata(_ pair: TLSCertificatePair) -> Logger.Metadata {
        [
            "port": "\(port)", "certificate": "\(pair.files.certificatePath)", "serial": "\(pair.serialNumber)",
            "subject": "\(pair.subject)", "notValidAfter": "\(pair.notValidAfter)",
        ]
    }
}
