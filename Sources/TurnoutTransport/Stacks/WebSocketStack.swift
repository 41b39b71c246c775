package import NIOCore
package import TurnoutCore

/// One transport stack: the code that carries an upgraded WebSocket connection.
///
/// The upgrade router authenticates the request, asks the flag store which stack the user
/// gets, and calls ``install(on:identity:configuration:open:)`` of that stack once the 101 is
/// sent (see ``StackUpgrader``); the stack brings its own framing.
/// Both stacks must behave identically on the wire: a client can tell them apart only by speed.
package protocol WebSocketStack: Sendable {
    /// The label of this stack in metrics, logs and admin answers.
    var stack: TransportStack { get }
    /// The stack's backpressure events, which the ramp guard compares between the stacks.
    var backpressure: BackpressureCounters { get }

    /// Installs the stack's handlers, framing included, on a freshly upgraded channel and opens
    /// the connection.
    ///
    /// Call on the channel's event loop. The stack wraps the channel as a ``Connection``, calls
    /// `open` once with it (before any inbound event), and delivers every later inbound event to
    /// the sink `open` returned.
    /// - Parameters:
    ///   - channel: The upgraded channel.
    ///   - identity: Who is connected, as authenticated by the router.
    ///   - configuration: Limits and timeouts for this connection.
    ///   - open: Hands the connection to its consumer (the core, or the echo responder).
    func install(
        on channel: any Channel,
        identity: ConnectionIdentity,
        configuration: WebSocketStackConfiguration,
        open: @escaping @Sendable (any Connection) -> any WebSocketEventSink
    ) throws
}
