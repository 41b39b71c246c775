package import NIOCore

/// One WebSocket connection, as the core sees it: what each transport stack implements.
///
/// The core calls these methods from any thread, sometimes while the stack is itself inside a
/// call into the core; so every method must be thread-safe, non-blocking and must not call back
/// into the core synchronously *with a lock held*. Calling back (for example, reporting the close
/// from inside ``close(code:reason:)``) is allowed: the core never holds its own locks while it
/// calls a connection.
///
/// The core sends to one connection in a well-defined order (see docs/architecture.md), so a stack
/// must keep the order of the calls it receives for one connection.
///
/// - Important: Once the socket is closed, for whatever reason, the stack must call
///   ``ConnectionHandle/connectionClosed(code:reason:)`` exactly once. Sends after that return ``SendResult/dropped``.
package protocol Connection: AnyObject, Sendable {
    /// Who is on the other end; fixed for the life of the connection.
    var identity: ConnectionIdentity { get }

    /// Sends one text frame.
    ///
    /// - Parameter text: Valid UTF-8 JSON. The buffer may be shared with other connections (the
    ///   same bytes fan out to several apps); it is a value, so the stack may keep it.
    /// - Returns: What the connection did with the frame.
    func sendText(_ text: ByteBuffer) -> SendResult

    /// Sends one binary frame.
    ///
    /// - Parameter data: The payload, often shared by several connections; it is a value.
    /// - Returns: What the connection did with the frame.
    func sendBinary(_ data: ByteBuffer) -> SendResult

    /// Starts a clean close with this code and reason; idempotent.
    ///
    /// - Parameters:
    ///   - code: The WebSocket close code, such as 1000 or 1008.
    ///   - reason: The close reason, at most 123 bytes of UTF-8 (the core's reasons are shorter).
    func close(code: UInt16, reason: String)

    /// Starts a clean close like ``close(code:reason:)``, and calls `written` once the close frame
    /// has been written to the socket: every frame sent before it has then been written too.
    ///
    /// The core posts a webhook that must not overtake the app's last frames this way. `written` is
    /// called exactly once, also when the frame can no longer be written (the socket closed first,
    /// or a close was already under way), so that nothing waiting on it is lost.
    func close(code: UInt16, reason: String, whenWritten written: @escaping @Sendable () -> Void)

    /// Sends a WebSocket ping; the stack reports the pong through ``ConnectionHandle/pongReceived()``.
    func ping()
}
