import NIOCore
import TurnoutCore

/// The typed per-connection data of a stack's handler: the connection the core holds and the
/// sink its `open` returned (the Bun-style `ws.data`).
struct StackConnectionData {
    var connection: WebSocketStackConnection
    var sink: (any WebSocketEventSink)?
}

/// The channel handler at the heart of a stack: it writes the connection's frames and carries
/// its per-connection data. Both stacks open connections the same way through it.
protocol StackChannelHandler: ChannelHandler, WebSocketOutboundWriter {
    /// The stack this handler implements.
    ///
    /// Connections carry it as ``ConnectionIdentity/stack``, so that `/admin/connections`, the
    /// metrics and the logs report the stack really installed, not the one the flag asked for.
    static var stack: TransportStack { get }

    /// Creates the handler for one connection's limits.
    init(configuration: WebSocketStackConfiguration)
    /// Set right after the handler is created; `nil` once the channel is inactive.
    var data: StackConnectionData? { get set }
}

extension StackChannelHandler {
    /// Creates the handler, wraps the channel as the core's ``Connection``, adds the handler to the
    /// pipeline and opens the connection; the steps both stacks share. Call on the channel's loop.
    ///
    /// - Returns: The handler, already holding its connection, and the sink `open` returned.
    static func open(
        on channel: any Channel,
        identity: ConnectionIdentity,
        configuration: WebSocketStackConfiguration,
        counters: BackpressureCounters,
        open: (any Connection) -> any WebSocketEventSink
    ) throws -> (handler: Self, sink: any WebSocketEventSink) {
        channel.eventLoop.preconditionInEventLoop()
        // The router decides off the loop; the client may be gone by then (a request the HTTP
        // decoder then failed on closes the channel). A handler added to a closed pipeline never
        // sees channelInactive, so the core would count the connection for ever: open nothing.
        guard channel.isActive else { throw ChannelError.ioOnClosedChannel }
        try channel.setWriteBufferWaterMark(configuration)
        let handler = Self(configuration: configuration)
        var identity = identity
        identity.stack = Self.stack
        let connection = WebSocketStackConnection(
            identity: identity,
            channel: channel,
            writer: handler,
            maxQueuedTextBytes: configuration.maxQueuedTextBytes,
            counters: counters
        )
        handler.data = StackConnectionData(connection: connection, sink: nil)
        try channel.pipeline.syncOperations.addHandler(handler)
        let sink = open(connection)
        handler.data?.sink = sink
        return (handler, sink)
    }
}

// Both stacks react to these two inbound events in the same way, so they are written once.
extension StackChannelHandler where Self: _ChannelInboundHandler {
    /// Mirrors the channel's writability into the connection's backpressure state.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        self.data?.connection.writabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    /// Shutdown: closes with 1001 `Server shutting down`, as both stacks must.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            self.startClose(.serverShuttingDown, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
