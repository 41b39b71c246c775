import NIOCore
import NIOWebSocket

/// One frame from the peer, as ``WebSocketProtocolStateMachine`` takes it: what both stacks'
/// framing layers produce.
///
/// The compat stack makes it from NIO's `WebSocketFrame`; the native stack straight from the
/// header bytes (``NativeFrameParser``), without the frame object NIO allocates per frame.
struct InboundFrame {
    /// The FIN bit: the last fragment of its message.
    var fin: Bool
    /// Whether any of RSV1–RSV3 is set (no extension is ever negotiated, so that is a violation).
    var hasReservedBits: Bool
    /// The opcode, reserved ones included.
    var opcode: WebSocketOpcode
    /// The masking key; clients must always mask.
    var maskKey: WebSocketMaskingKey?
    /// The payload, still masked.
    var payload: ByteBuffer

    /// Creates a frame from its parts.
    init(fin: Bool, hasReservedBits: Bool, opcode: WebSocketOpcode, maskKey: WebSocketMaskingKey?, payload: ByteBuffer) {
        self.fin = fin
        self.hasReservedBits = hasReservedBits
        self.opcode = opcode
        self.maskKey = maskKey
        self.payload = payload
    }

    /// The parts of a frame NIO's decoder produced.
    init(_ frame: WebSocketFrame) {
        self.init(
            fin: frame.fin,
            hasReservedBits: frame.rsv1 || frame.rsv2 || frame.rsv3,
            opcode: frame.opcode,
            maskKey: frame.maskKey,
            payload: frame.data
        )
    }
}
