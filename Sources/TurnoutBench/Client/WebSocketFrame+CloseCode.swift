import NIOCore
import NIOWebSocket

extension WebSocketFrame {
    /// The status code of a close frame; `nil` when it carries none.
    var closeCode: UInt16? {
        var data = self.unmaskedData
        return data.readInteger(as: UInt16.self)
    }
}
