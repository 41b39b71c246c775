/// Timeouts and caps of the public port: what bounds a hostile or broken client before it
/// becomes a WebSocket.
///
/// Every field has a production default, so `PublicPortLimits()` is what `turnout serve` runs.
/// The head and idle timeouts apply only while a connection speaks HTTP: they are disarmed the
/// moment a connection upgrades, so an established WebSocket is never closed by them.
package struct PublicPortLimits: Sendable, Hashable {
    /// How long after accept (or after the first byte of a later keep-alive request) the complete
    /// request head must have arrived; otherwise the client gets a JSON 408 and the connection
    /// closes. Default 10 s.
    package var requestHeadTimeout: Duration
    /// The largest request head (request line and headers) in bytes; a larger one gets a JSON 431
    /// and the connection closes. Default 16 KiB.
    package var maxRequestHeadBytes: Int
    /// How long a connection may sit without a request, before its first one or between
    /// keep-alive requests, before it is closed without a response. Default 10 s.
    package var idleTimeout: Duration
    /// The most connections the public port holds open at once, WebSockets included; over it a
    /// request gets a JSON 503 with `Retry-After`. Default 50,000.
    package var maxConnections: Int
    /// The most connections one client address may hold open at once; over it a request gets a
    /// JSON 503 with `Retry-After`. App servers hold one `/app-ws` connection per user of their
    /// app, so the default is generous: 10,000.
    package var maxConnectionsPerAddress: Int
    /// How many proxies in front of the server append to `X-Forwarded-For`; the client address is
    /// the entry that many hops from the right. 0 (the default) uses the socket's peer and
    /// ignores the header, which a client could otherwise forge.
    package var trustedProxies: Int
    /// The most upgrade handshakes being decided (token verification included) at once; over it
    /// an upgrade gets a JSON 503 with `Retry-After`. Default 1,024.
    package var maxPendingUpgrades: Int
    /// The `Retry-After` of every 503, in whole seconds. Default 5.
    package var retryAfterSeconds: Int

    /// Creates limits; every parameter defaults to its production value.
    package init(
        requestHeadTimeout: Duration = .seconds(10),
        maxRequestHeadBytes: Int = 16 << 10,
        idleTimeout: Duration = .seconds(10),
        maxConnections: Int = 50_000,
        maxConnectionsPerAddress: Int = 10_000,
        trustedProxies: Int = 0,
        maxPendingUpgrades: Int = 1_024,
        retryAfterSeconds: Int = 5
    ) {
        self.requestHeadTimeout = requestHeadTimeout
        self.maxRequestHeadBytes = maxRequestHeadBytes
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress
        self.trustedProxies = trustedProxies
        self.maxPendingUpgrades = maxPendingUpgrades
        self.retryAfterSeconds = retryAfterSeconds
    }
}
