package import NIOCore
package import TurnoutCore
import TurnoutTransport

/// The sink of `/echo-ws`: sends every text and binary message back, unchanged, on the same
/// connection. Used by the Autobahn conformance run and peer benchmarks.
///
/// One object per connection and nothing per message: the received buffer is sent as it is
/// (the native stack passes an unfragmented frame's payload through without a copy).
/// Pongs are ignored; the close needs no action.
package final class EchoResponder: WebSocketEventSink {
    private let connection: any Connection

    /// Creates the responder of one connection.
    package init(connection: any Connection) {
        self.connection = connection
    }

    package func textReceived(_ text: ByteBuffer) {
        _ = self.connection.sendText(text)
    }

    package func binaryReceived(_ data: ByteBuffer) {
        _ = self.connection.sendBinary(data)
    }

    package func pongReceived() {}

    package func connectionClosed(code: UInt16?, reason: String?) {}
}
