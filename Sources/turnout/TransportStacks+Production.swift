import TurnoutCore
import TurnoutTransport

extension TransportStacks {
    /// websocket-kit for compat, Turnout's own handler for native.
    static var production: TransportStacks {
        TransportStacks(compat: CompatStack(), native: NativeStack())
    }

    /// The consumer of an `/echo-ws` connection.
    static let echoResponder: @Sendable (any Connection) -> any WebSocketEventSink = { EchoResponder(connection: $0) }
}
