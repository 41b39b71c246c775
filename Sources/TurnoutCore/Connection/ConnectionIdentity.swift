/// Who is on the other end of a connection, as established by the upgrade router.
///
/// The router authenticates before the core sees the connection, so the core trusts these
/// values. They are fixed for the life of the connection.
package struct ConnectionIdentity: Sendable, Hashable {
    /// The endpoint the connection came in on.
    package var endpoint: ConnectionEndpoint
    /// The authenticated user: the glasses token's `email`, or `x-user-id` in app JWT mode.
    ///
    /// `nil` for a legacy app connection, whose user is known only from its `tpa_connection_init`.
    /// A glasses connection without a user is refused by the core with close 1011.
    package var userId: String?
    /// The transport stack serving the connection.
    package var stack: TransportStack
    /// The peer's address, for logs and admin answers, such as `127.0.0.1:53122`.
    package var remoteAddress: String
    /// The app JWT's claims in app JWT mode; `nil` for legacy apps and for glasses.
    package var appCredentials: AppCredentials?
    /// Whether the glasses asked for LiveKit (`?livekit=true` or the `livekit` header); stored on the session.
    package var livekit: Bool

    /// Creates an identity.
    ///
    /// - Parameters:
    ///   - endpoint: The endpoint.
    ///   - userId: The authenticated user, if known at upgrade.
    ///   - stack: The stack serving the connection.
    ///   - remoteAddress: The peer's address.
    ///   - appCredentials: The app JWT's claims (JWT mode only).
    ///   - livekit: The glasses' LiveKit flag. Default `false`.
    package init(
        endpoint: ConnectionEndpoint,
        userId: String?,
        stack: TransportStack,
        remoteAddress: String,
        appCredentials: AppCredentials? = nil,
        livekit: Bool = false
    ) {
        self.endpoint = endpoint
        self.userId = userId
        self.stack = stack
        self.remoteAddress = remoteAddress
        self.appCredentials = appCredentials
        self.livekit = livekit
    }

    /// A glasses identity.
    package static func glasses(userId: String, stack: TransportStack, remoteAddress: String, livekit: Bool = false) -> ConnectionIdentity {
        ConnectionIdentity(endpoint: .glasses, userId: userId, stack: stack, remoteAddress: remoteAddress, livekit: livekit)
    }

    /// A legacy app identity: the user is learnt from `tpa_connection_init`.
    package static func legacyApp(stack: TransportStack, remoteAddress: String) -> ConnectionIdentity {
        ConnectionIdentity(endpoint: .app, userId: nil, stack: stack, remoteAddress: remoteAddress)
    }

    /// An app identity in JWT mode: user and credentials were verified at upgrade.
    package static func jwtApp(
        userId: String,
        credentials: AppCredentials,
        stack: TransportStack,
        remoteAddress: String
    ) -> ConnectionIdentity {
        ConnectionIdentity(endpoint: .app, userId: userId, stack: stack, remoteAddress: remoteAddress, appCredentials: credentials)
    }
}
