import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import TurnoutCore
import TurnoutTransport

/// Turns `/health/ready` to 503 when graceful shutdown begins, then holds the shutdown for the
/// ready grace before the public port closes its sockets with 1001.
///
/// It runs last in the application's service group, so it is the first to shut down: the
/// listeners' quiescing (the 1001 closes) starts only once it returns. During the grace the
/// port still accepts upgrades, for clients the balancer sent before it saw the 503.
struct ReadinessService: Service {
    let readiness: Readiness
    /// How long the balancer needs to see the 503: its check interval × fall, plus a margin.
    let grace: Duration
    /// Times the grace; the server's event loops in production, a manual one in tests.
    let scheduler: any CoreScheduler
    let logger: Logger

    func run() async throws {
        // Cancellation (not a graceful shutdown) ends the service at once.
        guard (try? await gracefulShutdown()) != nil else { return }
        self.readiness.beginDraining()
        self.logger.info(
            "readiness turned 503; closing connections after the ready grace",
            metadata: ["readyGrace": "\(self.grace)"]
        )
        guard self.grace > .zero else { return }
        await Self.wait(self.grace, on: self.scheduler)
    }

    /// Waits `delay` on `scheduler`, or until the task is cancelled.
    private static func wait(_ delay: Duration, on scheduler: any CoreScheduler) async {
        let waiter = Waiter()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiter.continuation.withLockedValue { $0 = continuation }
                let timer = scheduler.schedule(after: delay) { waiter.resume() }
                if Task.isCancelled {
                    timer.cancel()
                    waiter.resume()
                }
            }
        } onCancel: {
            waiter.resume()
        }
    }

    /// The one continuation of ``wait(_:on:)``, resumed by the timer or by cancellation, once.
    private final class Waiter: Sendable {
        let continuation = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)

        func resume() {
            self.continuation.withLockedValue { $0.take() }?.resume()
        }
    }
}
