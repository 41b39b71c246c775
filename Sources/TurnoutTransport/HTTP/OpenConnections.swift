import NIOConcurrencyHelpers
package import TurnoutCore

/// The core connections this server has open, so a flag edit with `on_change: migrate` can find
/// the ones whose stack changed.
///
/// Touched once per connection at open and once per migration sweep, never per message. Entries
/// are weak: a closed connection is released by the core and disappears on the next sweep.
package final class OpenConnections: Sendable {
    /// One open connection and the user the router routed it by.
    package struct Entry: Sendable {
        /// The stack's connection; `nil` once it has been released.
        package weak var connection: (any Connection)?
        /// The user the flag decides by: the authenticated user, or a legacy app's `?userId=` hint.
        package var userId: String?
        /// The endpoint, for the flag's `endpoints` rule.
        package var endpoint: ConnectionEndpoint
        /// The stack it is on.
        package var stack: TransportStack
    }

    private let entries = NIOLockedValueBox<[Entry]>([])

    /// Creates an empty registry.
    package init() {}

    /// Records a connection the router handed to the core.
    package func add(_ connection: any Connection, routedBy userId: String?) {
        let identity = connection.identity
        let entry = Entry(connection: connection, userId: userId, endpoint: identity.endpoint, stack: identity.stack)
        entries.withLockedValue { entries in
            entries.append(entry)
            // Keep released entries from piling up between sweeps.
            if entries.count >= 1024, entries.count.nonzeroBitCount == 1 {
                entries.removeAll { $0.connection == nil }
            }
        }
    }

    /// The connections still open, pruning released ones.
    package func current() -> [Entry] {
        entries.withLockedValue { entries in
            entries.removeAll { $0.connection == nil }
            return entries
        }
    }
}
