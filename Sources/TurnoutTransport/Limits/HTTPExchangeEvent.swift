/// What ``HTTPExchangeObserver`` tells the byte-level limit handlers in front of the HTTP decoder,
/// as outbound user events.
///
/// The decoder knows where a request head ends; the handlers in front of it see only bytes. The
/// observer sits right behind the decoder and reports each step back towards the socket, so the
/// events reach ``RequestHeadSizeHandler`` and ``RequestTimeoutHandler`` synchronously, while
/// the bytes that completed the head are still being read.
package enum HTTPExchangeEvent: Sendable, Hashable {
    /// A complete request head was decoded: head limits stop applying to this request.
    case headReceived
    /// Every request received so far has been answered: the connection waits for the next one.
    case idle
    /// The server accepted the upgrade and answers 101: the connection is a WebSocket from now
    /// on, and no HTTP limit applies to it again. Said by the upgrader when the router accepts
    /// (before NIO removes the HTTP decoder, which forwards any bytes that followed the request),
    /// and by the observer when the 101 is written.
    case upgraded
    /// A limit has answered (431) and the connection is closing: no other limit acts on it
    /// again. Sent inbound, from the handler that answered.
    case refused
}
