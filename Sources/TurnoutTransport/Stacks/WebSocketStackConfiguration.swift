/// Limits and timeouts of one WebSocket connection, the same for both stacks.
///
/// `.init()` is the production setup. The two stacks read the same values, so a client cannot
/// tell them apart by where a limit bites.
package struct WebSocketStackConfiguration: Sendable {
    /// The largest message, after reassembling fragments, in bytes; beyond it the connection is
    /// closed with 1009. Default 1 MiB.
    package var maxMessageSize: Int
    /// The most outbound text (JSON) bytes queued while the socket is not writable; beyond it the
    /// connection is closed with 1008 `Slow consumer`. Default 4 MiB.
    package var maxQueuedTextBytes: Int
    /// The channel's write-buffer water marks in bytes: above `high` the socket counts as not
    /// writable (audio is dropped, text is queued), below `low` it is writable again.
    /// Default 64 KiB and 256 KiB.
    package var writeBufferLowWaterMark: Int
    /// See ``writeBufferLowWaterMark``.
    package var writeBufferHighWaterMark: Int
    /// How long to wait for the peer's close frame after sending ours before dropping the TCP
    /// connection. Default 5 s.
    package var closeHandshakeTimeout: Duration

    /// Creates a configuration; every default suits production.
    package init(
        maxMessageSize: Int = 1 << 20,
        maxQueuedTextBytes: Int = 4 << 20,
        writeBufferLowWaterMark: Int = 64 << 10,
        writeBufferHighWaterMark: Int = 256 << 10,
        closeHandshakeTimeout: Duration = .seconds(5)
    ) {
        self.maxMessageSize = maxMessageSize
        self.maxQueuedTextBytes = maxQueuedTextBytes
        self.writeBufferLowWaterMark = writeBufferLowWaterMark
        self.writeBufferHighWaterMark = writeBufferHighWaterMark
        self.closeHandshakeTimeout = closeHandshakeTimeout
    }
}
