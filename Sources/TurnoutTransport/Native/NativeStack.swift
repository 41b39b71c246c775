package import NIOCore
package import TurnoutCore

/// Turnout's own WebSocket stack on NIOWebSocket's frame vocabulary: the fast path.
///
/// ``install(on:identity:configuration:open:)`` adds one ``NativeWebSocketHandler``, which frames
/// the socket's bytes itself (no NIO decoder or encoder in front of it). The handler set is Bun's:
/// `open` is the closure the router passes, `message` and `close` go to the returned
/// ``WebSocketEventSink``, and `drain` is the connection's queue draining when the socket becomes
/// writable again. The RFC 6455 rules are the ``WebSocketProtocolStateMachine`` both stacks run;
/// backpressure is ``WebSocketStackConnection``'s.
package struct NativeStack: WebSocketStack {
    package var stack: TransportStack { .native }
    /// The stack's backpressure events, `turnout_backpressure_events_total{stack="native",kind}`.
    package let backpressure: BackpressureCounters

    /// Creates the stack; create one per server (it owns the stack's counters).
    package init() {
        self.backpressure = BackpressureCounters(stack: .native)
    }

    package func install(
        on channel: any Channel,
        identity: ConnectionIdentity,
        configuration: WebSocketStackConfiguration,
        open: @escaping @Sendable (any Connection) -> any WebSocketEventSink
    ) throws {
        _ = try NativeWebSocketHandler.open(
            on: channel,
            identity: identity,
            configuration: configuration,
            counters: self.backpressure,
            open: open
        )
    }
}
