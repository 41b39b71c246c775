import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration files when the process receives SIGHUP, as operators expect.
///
/// SIGHUP belongs to the server, not to the file watchers: this service traps it with
/// swift-service-lifecycle's `UnixSignalsSequence` (no process-wide `signal(SIGHUP, SIG_IGN)`),
/// and asks each store for a reload that is applied even when the file did not change
/// (trigger `request`). It ends on graceful shutdown.
struct ReloadOnSIGHUPService: Service {
    /// One file to reload: its path for the log line, and the store's request.
    struct File: Sendable {
        var path: String
        var requestReload: @Sendable () -> Void
    }

    /// The trapped SIGHUP; made (and its handler registered) before the server reports that it
    /// runs, so a SIGHUP sent from then on is never lost and never ends the process.
    let signals: UnixSignalsSequence
    let files: [File]
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                for file in files {
                    logger.info("SIGHUP received: reloading", metadata: ["file": "\(file.path)"])
                    file.requestReload()
                }
            }
        }
    }
}
