import NIOCore
import NIOPosix
import Testing
import TurnoutCore
import TurnoutEcho
import TurnoutTestSupport
import TurnoutTransport

/// `/fanout-ws`'s room on both stacks: every member gets every message, the sender included,
/// exactly once and unchanged, across event loops; a closed member leaves the room.
@Suite(.timeLimit(.minutes(1)))
struct FanoutRoomTests {
    @Test(arguments: StackUnderTest.allCases)
    func everyMemberGetsEveryMessageAndClosedMembersLeave(_ stack: StackUnderTest) async throws {
        // Three loops: the three members land on three different ones (the group hands out
        // loops round-robin), so delivery is tested on the sender's loop and across loops.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let room = FanoutRoom(group: group)
        let join: @Sendable (any Connection, any EventLoop) -> any WebSocketEventSink = { room.join($0, on: $1) }
        do {
            try await withTestServer(stack, echo: false, group: group, forward: join) { server in
                var members: [(client: RawWebSocketClient, side: ServerSide)] = []
                for _ in 0..<3 { members.append(try await server.connect()) }
                #expect(room.memberCount == 3)
                #expect(room.shards.map(\.memberCount) == [1, 1, 1])

                try await members[0].client.sendText("from a")
                for member in members { #expect(await member.client.next() == .text("from a")) }
                try await members[1].client.sendBinary([0, 1, 2, 255])
                for member in members { #expect(await member.client.next() == .binary([0, 1, 2, 255])) }
                try await members[2].client.sendText("κόσμε")
                for member in members { #expect(await member.client.next() == .text("κόσμε")) }

                // The third member drops its socket: the room forgets it.
                await members[2].client.close()
                #expect(await members[2].side.sink.closed() == .closed(code: nil, reason: nil))
                #expect(room.memberCount == 2)

                try await members[0].client.sendText("after")
                #expect(members[2].side.sink.connection.sendText(ByteBuffer(string: "late")) == .dropped)
                for member in members.prefix(2) {
                    #expect(await member.client.next() == .text("after"))
                    try await member.client.sendClose(1000)
                    // Nothing else was delivered: the next frames are the close handshake.
                    #expect(await member.client.transcript() == [.close(1000), .closed])
                    #expect(await member.side.sink.closed() == .closed(code: 1000, reason: nil))
                }
                #expect(room.memberCount == 0)
                #expect(members[0].side.sink.all == [.text("from a"), .text("after"), .closed(code: 1000, reason: nil)])
                #expect(members[1].side.sink.all == [.binary([0, 1, 2, 255]), .closed(code: 1000, reason: nil)])
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try await group.shutdownGracefully()
    }
}
