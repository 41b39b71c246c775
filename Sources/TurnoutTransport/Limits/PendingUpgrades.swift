import Synchronization

/// Counts the upgrade handshakes being decided at once against
/// ``PublicPortLimits/maxPendingUpgrades``, so a flood of slow handshakes (token verification is
/// asynchronous) cannot pile up work on the event loops.
///
/// One atomic add when a handshake starts and one subtract when its decision is made.
package final class PendingUpgrades: Sendable {
    private let limit: Int
    private let pending = Atomic<Int>(0)

    /// Creates a counter with nothing pending.
    package init(limit: Int) {
        self.limit = limit
    }

    /// The handshakes pending now.
    package var count: Int { pending.load(ordering: .relaxed) }

    /// Counts one more handshake if the count stays within the limit.
    ///
    /// - Returns: Whether it was counted; a counted handshake must be released with
    ///   ``release()`` exactly once, when its decision is made.
    package func tryAcquire() -> Bool {
        let count = pending.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= limit else {
            pending.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Releases a handshake counted by ``tryAcquire()``.
    package func release() {
        pending.wrappingSubtract(1, ordering: .relaxed)
    }
}
