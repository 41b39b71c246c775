import NIOCore

extension Channel {
    /// Sets the write-buffer water marks of the configuration; call on the event loop.
    ///
    /// Channels without the option (such as `EmbeddedChannel`) are left alone.
    func setWriteBufferWaterMark(_ configuration: WebSocketStackConfiguration) throws {
        let marks = ChannelOptions.Types.WriteBufferWaterMark(
            low: configuration.writeBufferLowWaterMark,
            high: configuration.writeBufferHighWaterMark
        )
        try self.syncOptions?.setOption(.writeBufferWaterMark, value: marks)
    }
}
