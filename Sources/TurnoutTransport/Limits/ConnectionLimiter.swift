import NIOConcurrencyHelpers
import Synchronization

/// Counts the public port's open connections, in total and per client address, against
/// ``PublicPortLimits/maxConnections`` and ``PublicPortLimits/maxConnectionsPerAddress``.
///
/// Touched once when a connection is accepted (or its address learnt from `X-Forwarded-For`)
/// and once when it closes, never per message: the total is an atomic, the per-address counts a
/// small dictionary behind a lock held only to add or subtract one.
package final class ConnectionLimiter: Sendable {
    private let maxConnections: Int
    private let maxPerAddress: Int
    private let open = Atomic<Int>(0)
    private let perAddress = NIOLockedValueBox<[String: Int]>([:])

    /// Creates a limiter with no connection counted.
    package init(maxConnections: Int, maxPerAddress: Int) {
        self.maxConnections = maxConnections
        self.maxPerAddress = maxPerAddress
    }

    /// The connections counted now.
    package var openConnections: Int { open.load(ordering: .relaxed) }

    /// The connections counted now for `address`.
    package func connections(from address: String) -> Int {
        perAddress.withLockedValue { $0[address] ?? 0 }
    }

    /// Counts one more connection if the total stays within the cap.
    ///
    /// - Returns: Whether it was counted; a counted connection must be released with
    ///   ``releaseConnection()`` exactly once.
    package func admitConnection() -> Bool {
        let count = open.wrappingAdd(1, ordering: .relaxed).newValue
        guard count <= maxConnections else {
            open.wrappingSubtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Releases a connection counted by ``admitConnection()``.
    package func releaseConnection() {
        open.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Counts one more connection from `address` if its count stays within the cap.
    ///
    /// - Returns: Whether it was counted; a counted connection must be released with
    ///   ``release(address:)`` exactly once.
    package func admit(address: String) -> Bool {
        perAddress.withLockedValue { counts in
            let count = counts[address, default: 0]
            guard count < maxPerAddress else { return false }
            counts[address] = count + 1
            return true
        }
    }

    /// Releases a connection counted by ``admit(address:)``.
    package func release(address: String) {
        perAddress.withLockedValue { counts in
            guard let count = counts[address] else { return }
            counts[address] = count > 1 ? count - 1 : nil
        }
    }
}
