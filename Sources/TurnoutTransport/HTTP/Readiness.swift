import NIOHTTP1
import Synchronization

/// Whether the instance accepts new users: what `GET /health/ready` on the public port answers.
///
/// Ready from start-up until graceful shutdown begins; then draining for good, so that a load
/// balancer health-checking `/health/ready` stops sending upgrades before the instance closes
/// its sockets with 1001. `GET /health` stays liveness and answers 200 throughout.
package final class Readiness: Sendable {
    private let draining = Atomic(false)

    /// Creates a ready instance.
    package init() {}

    /// Whether `/health/ready` answers 200.
    package var isReady: Bool {
        !self.draining.load(ordering: .acquiring)
    }

    /// Turns `/health/ready` to 503 for good.
    ///
    /// - Returns: Whether this call made the change (false when it was already draining).
    @discardableResult
    package func beginDraining() -> Bool {
        !self.draining.exchange(true, ordering: .acquiringAndReleasing)
    }

    /// The status and JSON body of `GET /health/ready`.
    package var response: HTTPResponse {
        self.isReady ? .json(.ok, #"{"status":"ready"}"#) : .json(.serviceUnavailable, #"{"status":"draining"}"#)
    }
}
