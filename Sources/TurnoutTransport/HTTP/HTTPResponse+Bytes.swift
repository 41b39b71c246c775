package import NIOCore
import NIOHTTP1

extension HTTPResponse {
    /// The whole response as HTTP/1.1 bytes, for handlers in front of the HTTP encoder (the
    /// request-head limits answer before, or instead of, any decoded request).
    package func bytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        let head = self.head(version: .http1_1)
        var buffer = allocator.buffer(capacity: 256 + body.utf8.count)
        buffer.writeString("HTTP/1.1 \(head.status.code) \(head.status.reasonPhrase)\r\n")
        for (name, value) in head.headers {
            buffer.writeString("\(name): \(value)\r\n")
        }
        buffer.writeString("\r\n")
        buffer.writeString(body)
        return buffer
    }

    /// Writes ``bytes(allocator:)`` on `context` and closes the connection once it is written.
    func writeBytesAndClose(to context: ChannelHandlerContext) {
        let bytes = self.bytes(allocator: context.channel.allocator)
        context.writeAndFlush(NIOAny(bytes)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
