import Logging
import NIOCore
import NIOExtras
import ServiceLifecycle
import Synchronization

/// A bound listening socket run as a service: it serves until graceful shutdown, then stops
/// accepting, asks every open connection to quiesce, and waits up to a drain timeout.
///
/// Quiescing fires `ChannelShouldQuiesceEvent` into each connection: an HTTP connection closes,
/// and a WebSocket stack closes its socket with 1001 `Server shutting down`.
final class ListeningServer: Service, Sendable {
    private let name: String
    private let channel: any Channel
    private let quiescing: ServerQuiescingHelper
    private let drainTimeout: Duration
    private let logger: Logger
    private let drained: EventLoopPromise<Void>
    private let shutdownStarted = Mutex(false)

    /// Wraps a channel whose server pipeline holds `quiescing`'s handler.
    init(name: String, channel: any Channel, quiescing: ServerQuiescingHelper, drainTimeout: Duration, logger: Logger) {
        self.name = name
        self.channel = channel
        self.quiescing = quiescing
        self.drainTimeout = drainTimeout
        self.logger = logger
        self.drained = channel.eventLoop.makePromise(of: Void.self)
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            try? await channel.closeFuture.get()
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        beginShutdown()
        let drainTimeout = self.drainTimeout
        let finished = await withTaskGroup(of: Bool.self) { group in
            group.addTask { [drained] in
                (try? await drained.futureResult.get()) != nil
            }
            group.addTask {
                try? await Task.sleep(for: drainTimeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        if !finished {
            logger.warning("drain timeout reached; closing the remaining connections", metadata: ["server": "\(name)"])
        }
    }

    private func beginShutdown() {
        let first = shutdownStarted.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        logger.info("stopped accepting; closing open connections", metadata: ["server": "\(name)"])
        quiescing.initiateShutdown(promise: drained)
    }
}
