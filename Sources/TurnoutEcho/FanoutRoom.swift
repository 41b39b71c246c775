package import NIOCore
package import TurnoutCore
import TurnoutTransport

/// The one broadcast room of `/fanout-ws` (`turnout serve --echo`): every text or binary message
/// any member sends goes to every member, the sender included, unchanged. A raw relay for peer
/// benchmarks, like Bun's chat-room benchmark (`ws.subscribe` + publish with `publishToSelf`);
/// it bypasses the session core.
///
/// ## Threading and cost
/// Members are kept per event loop, in one ``FanoutShard`` per loop of the server's group; a
/// shard's list is only ever touched on its own loop. A message published on loop A goes
/// straight to the members on A, and with one `execute` per *other* loop that has members, to
/// theirs. Nothing takes a process-wide lock, and the received `ByteBuffer` is shared by every
/// delivery: the per-message cost is the sends plus one closure per other loop.
///
/// Order: one sender's messages reach each member in the order sent (each loop runs its tasks
/// in order, and each connection keeps the order of its sends). Messages of different senders
/// may interleave differently at different members.
package final class FanoutRoom: Sendable {
    /// One message to relay, with the opcode it arrived with.
    package enum Message: Sendable {
        /// A text message (valid UTF-8).
        case text(ByteBuffer)
        /// A binary message.
        case binary(ByteBuffer)
    }

    /// The shards, one per loop of the group; fixed at init, so reading them takes no lock.
    package let shards: [FanoutShard]

    /// Creates an empty room for connections on the loops of `group`.
    package init(group: any EventLoopGroup) {
        self.shards = group.makeIterator().map { FanoutShard(loop: $0) }
    }

    /// Members in the room now, over every loop.
    package var memberCount: Int { self.shards.reduce(0) { $0 + $1.memberCount } }

    /// Adds `connection` to the room and returns the sink that relays what it sends.
    ///
    /// The `open` of ``WebSocketStack/install(on:identity:configuration:open:)`` for `/fanout-ws`.
    ///
    /// - Parameters:
    ///   - connection: The new connection.
    ///   - loop: Its channel's event loop; the call must be made on it.
    /// - Returns: The connection's sink; its close removes the member.
    /// - Important: `loop` must belong to the group the room was made for; any other loop is a
    ///   programming error and traps.
    package func join(_ connection: any Connection, on loop: any EventLoop) -> FanoutResponder {
        loop.preconditionInEventLoop()
        guard let shard = self.shards.first(where: { $0.loop === loop }) else {
            preconditionFailure("FanoutRoom.join on an event loop outside the room's group")
        }
        let member = FanoutResponder(connection: connection, room: self, shard: shard)
        shard.add(member)
        return member
    }

    /// Relays `message` to every member; call on `origin`'s loop.
    func publish(_ message: Message, from origin: FanoutShard) {
        for shard in self.shards {
            if shard === origin {
                shard.deliver(message)
            } else if shard.memberCount > 0 {
                shard.loop.execute { shard.deliver(message) }
            }
        }
    }
}
