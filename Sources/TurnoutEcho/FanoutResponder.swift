package import NIOCore
import TurnoutCore
import TurnoutTransport

/// The sink of one `/fanout-ws` connection: a member of the ``FanoutRoom``.
///
/// Every text or binary message it receives is relayed to the whole room, this connection
/// included; pongs are ignored; the close takes the member out of the room. Like
/// ``EchoResponder`` it is one object per connection and nothing per message. The stack calls it
/// on the connection's event loop, which is its shard's loop.
package final class FanoutResponder: WebSocketEventSink {
    /// The member's connection; the room sends to it.
    let connection: any Connection
    private let room: FanoutRoom
    private let shard: FanoutShard

    init(connection: any Connection, room: FanoutRoom, shard: FanoutShard) {
        self.connection = connection
        self.room = room
        self.shard = shard
    }

    package func textReceived(_ text: ByteBuffer) {
        self.room.publish(.text(text), from: self.shard)
    }

    package func binaryReceived(_ data: ByteBuffer) {
        self.room.publish(.binary(data), from: self.shard)
    }

    package func pongReceived() {}

    package func connectionClosed(code: UInt16?, reason: String?) {
        self.shard.remove(self)
    }
}
