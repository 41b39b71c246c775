import NIOCore
import TurnoutCore
import TurnoutTransport

// Placeholder until the compat and native stacks land on this branch.
extension TransportStacks {
    static var production: TransportStacks {
        TransportStacks(compat: PendingStack(), native: PendingStack())
    }

    static let echoResponder: @Sendable (any Connection) -> any WebSocketEventSink = { _ in fatalError("the echo responder is not on this branch yet") }
}

private struct PendingStack: WebSocketStack {
    var stack: TransportStack { .native }

    func install(
        on channel: any Channel,
        identity: ConnectionIdentity,
        configuration: WebSocketStackConfiguration,
        open: @escaping @Sendable (any Connection) -> any WebSocketEventSink
    ) throws {
        throw ChannelError.operationUnsupported
    }
}
