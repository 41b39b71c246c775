import NIOCore
import NIOWebSocket

extension WebSocketFrame {
    /// The status code of a close frame; `nil` when it carries none.
    var closeCode: UInt16? {
        var data = self.unmaskedData
        return data.readInteger(as: UInt16.self)
    }

    /// Whether this is Turnout's close of a shutdown, 1001 `Server shutting down`: the instance
    /// is leaving and the client should reconnect through the balancer. (A 1001 `Ping timeout`
    /// is not: it means the client fell behind.)
    var isInstanceLeaving: Bool {
        var data = self.unmaskedData
        guard data.readInteger(as: UInt16.self) == 1001 else { return false }
        return data.readString(length: data.readableBytes) == "Server shutting down"
    }
}
