package import NIOCore
import NIOWebSocket
package import TurnoutCore
import WebSocketKit

/// The established stack: vapor/websocket-kit's `WebSocket`, driven by its synchronous callbacks.
///
/// ``install(on:identity:configuration:open:)`` adds NIO's frame decoder (limited to
/// `maxMessageSize` per frame) and encoder, a ``CompatValidatingHandler``, then attaches
/// websocket-kit with `WebSocket.server(on:config:)`.
/// Messages arrive through `onText`/`onBinary`/`onPong` (never the async variants, which spawn a
/// `Task` per message and lose order) and are sent with `WebSocket.send`. The validating handler
/// feeds every frame to the ``WebSocketProtocolStateMachine`` the native stack runs too (the RFC
/// checks, reassembly, close handshake and shutdown behaviour websocket-kit lacks), and
/// ``WebSocketStackConnection`` the backpressure, so that clients cannot tell this stack from
/// ``NativeStack``.
package struct CompatStack: WebSocketStack {
    package var stack: TransportStack { .compat }
    /// The stack's backpressure events, `turnout_backpressure_events_total{stack="compat",kind}`.
    package let backpressure: BackpressureCounters

    /// Creates the stack; create one per server (it owns the stack's counters).
    package init() {
        self.backpressure = BackpressureCounters(stack: .compat)
    }

    package func install(
        on channel: any Channel,
        identity: ConnectionIdentity,
        configuration: WebSocketStackConfiguration,
        open: @escaping @Sendable (any Connection) -> any WebSocketEventSink
    ) throws {
        // What NIOWebSocketServerUpgrader would add, with `automaticErrorHandling: false`: the
        // validating handler answers decoder errors as the native stack does.
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: configuration.maxMessageSize))
        )
        let (handler, sink) = try CompatValidatingHandler.open(
            on: channel,
            identity: identity,
            configuration: configuration,
            counters: self.backpressure,
            open: open
        )

        var kitConfiguration = WebSocket.Configuration()
        // A safety net only: the protocol machine closes with 1009 before the aggregator would.
        kitConfiguration.maxAccumulatedFrameSize = configuration.maxMessageSize
        let boundHandler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
        WebSocket.server(on: channel, config: kitConfiguration) { webSocket in
            webSocket.onText { _, text in sink.textReceived(ByteBuffer(string: text)) }
            webSocket.onBinary { _, data in sink.binaryReceived(data) }
            webSocket.onPong { _, _ in sink.pongReceived() }
            // `onUpgrade` runs on the channel's event loop (a `map` of a future of that loop).
            boundHandler.value.webSocketReady(webSocket)
        }.whenFailure { _ in
            channel.close(promise: nil)
        }
    }
}
