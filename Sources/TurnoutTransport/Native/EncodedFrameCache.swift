import NIOCore
import NIOPosix
import NIOWebSocket

/// The last small frame the native stack encoded on this thread, so that a fan-out (a room's
/// broadcast, the core's audio frame to every subscribed app) encodes a message once rather
/// than once per recipient: server frames are unmasked, so every recipient gets the same bytes.
/// (A `data_stream` differs per app, by its `sessionId`, so it never hits.)
///
/// A hit needs the very same bytes: the same storage, offset and length (compared by address)
/// and the same opcode. Holding `payload` keeps its storage alive and, because `ByteBuffer` is
/// copy-on-write, unchanged: any writer would copy first. So an address match is a content match.
final class EncodedFrameCache {
    private var payload: ByteBuffer?
    private var opcode = WebSocketOpcode.text
    private var frame = ByteBuffer()

    /// The cache of the calling thread (each event loop has its own thread).
    static var current: EncodedFrameCache {
        if let cache = Self.perThread.currentValue { return cache }
        let cache = EncodedFrameCache()
        Self.perThread.currentValue = cache
        return cache
    }

    // Each thread reads and writes only its own value, so the variable is shared but the caches
    // never are.
    private nonisolated(unsafe) static let perThread = ThreadSpecificVariable<EncodedFrameCache>()

    /// The encoded frame of `payload` if it is the one encoded last on this thread.
    func frame(for payload: ByteBuffer, opcode: WebSocketOpcode) -> ByteBuffer? {
        guard opcode == self.opcode, let cached = self.payload, cached.readableBytes == payload.readableBytes,
            Self.address(of: cached) == Self.address(of: payload)
        else { return nil }
        return self.frame
    }

    /// Remembers `frame` as the encoding of `payload`.
    func store(_ frame: ByteBuffer, for payload: ByteBuffer, opcode: WebSocketOpcode) {
        self.payload = payload
        self.opcode = opcode
        self.frame = frame
    }

    private static func address(of buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
    }
}
