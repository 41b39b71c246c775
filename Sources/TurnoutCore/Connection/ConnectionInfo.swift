/// One live connection as `/admin/connections?userId=` lists it.
package struct ConnectionInfo: Sendable, Hashable {
    /// The endpoint.
    package var endpoint: ConnectionEndpoint
    /// The stack serving it.
    package var stack: TransportStack
    /// The app's package name, for app connections.
    package var packageName: String?
    /// The peer's address.
    package var remoteAddress: String
    /// When the core saw the connection open.
    package var openedAt: Timestamp
}

/// The key of the connection counts by stack and endpoint (`/admin/connections` without a user).
package struct ConnectionCountKey: Sendable, Hashable {
    /// The stack.
    package var stack: TransportStack
    /// The endpoint.
    package var endpoint: ConnectionEndpoint

    /// Creates a key.
    package init(stack: TransportStack, endpoint: ConnectionEndpoint) {
        self.stack = stack
        self.endpoint = endpoint
    }
}
