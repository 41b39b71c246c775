package import NIOCore
package import TurnoutCore

/// Where a stack delivers one connection's inbound events.
///
/// For `/glasses-ws` and `/app-ws` this is the core's ``ConnectionHandle``; for `/echo-ws` it is
/// ``EchoResponder``. A stack knows nothing of sessions: it calls these four entry points, on its
/// event loop, in the order the frames arrived, and ``connectionClosed(code:reason:)`` exactly once.
package protocol WebSocketEventSink: AnyObject, Sendable {
    /// A complete text message arrived; its bytes are valid UTF-8.
    func textReceived(_ text: ByteBuffer)
    /// A complete binary message arrived.
    func binaryReceived(_ data: ByteBuffer)
    /// A text message the stack received at `receivedAt` and delivers only now (an injected
    /// delay): a sink that times its handling counts from `receivedAt`.
    func textReceived(_ text: ByteBuffer, receivedAt: NIODeadline)
    /// A binary message received at `receivedAt` and delivered only now.
    func binaryReceived(_ data: ByteBuffer, receivedAt: NIODeadline)
    /// A pong arrived (answering the core's heartbeat ping).
    func pongReceived()
    /// The socket is gone; `code` and `reason` are the close frame's, if one was received or sent.
    func connectionClosed(code: UInt16?, reason: String?)
}

extension ConnectionHandle: WebSocketEventSink {}

extension WebSocketEventSink {
    /// A sink that does not time its handling ignores when the message arrived.
    package func textReceived(_ text: ByteBuffer, receivedAt: NIODeadline) {
        self.textReceived(text)
    }

    /// A sink that does not time its handling ignores when the message arrived.
    package func binaryReceived(_ data: ByteBuffer, receivedAt: NIODeadline) {
        self.binaryReceived(data)
    }

    /// Reports the close to the sink: the close frame's code and reason, `nil` for what it lacked.
    func connectionClosed(_ close: WebSocketClose?) {
        let reason = close.flatMap { $0.reason.isEmpty ? nil : $0.reason }
        self.connectionClosed(code: close?.code, reason: reason)
    }
}
