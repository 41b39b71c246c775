import TurnoutTestSupport
import NIOCore
import NIOWebSocket
import Testing
import TurnoutCore
import TurnoutTransport

/// Closing, heartbeat, shutdown and what the sink is told, on both stacks.
@Suite(.timeLimit(.minutes(1)))
struct StackLifecycleTests {
    @Test(arguments: StackUnderTest.allCases)
    func coreCloseSendsCodeAndReasonAndReportsIt(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            #expect(side.sink.connection.sendText(ByteBuffer(string: "bye soon")) == .accepted)
            side.sink.connection.close(code: 1000, reason: "App stopped")
            #expect(side.sink.connection.sendText(ByteBuffer(string: "late")) == .dropped)
            #expect(await client.transcript() == [.text("bye soon"), .close(1000, "App stopped"), .closed])
            #expect(await side.sink.closed() == .closed(code: 1000, reason: "App stopped"))
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func peerCloseIsReportedWithItsReason(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            try await client.sendText("one")
            try await client.sendClose(4000, "done")
            #expect(await client.transcript() == [.text("one"), .close(4000), .closed])
            #expect(await side.sink.closed() == .closed(code: 4000, reason: "done"))
            #expect(side.sink.all == [.text("one"), .closed(code: 4000, reason: "done")])
            #expect(side.sink.connection.sendBinary(ByteBuffer(bytes: [1])) == .dropped)
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func tcpDropIsReportedWithoutCode(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            await client.close()
            #expect(await side.sink.closed() == .closed(code: nil, reason: nil))
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func violationIsReportedWithTheCloseSent(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            try await client.send(opcode: 1, [0xFF])
            #expect(await client.transcript() == [.close(1007, "Invalid UTF-8"), .closed])
            #expect(await side.sink.closed() == .closed(code: 1007, reason: "Invalid UTF-8"))
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func pingFromTheCoreAndPongReported(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            side.sink.connection.ping()
            #expect(await client.next() == .ping)
            try await client.send(opcode: 10, [])
            #expect(await side.sink.events.next() == .pong)
            try await client.sendClose(1000)
            #expect(await client.transcript() == [.close(1000), .closed])
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func quiesceClosesWith1001(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            side.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            #expect(await client.transcript() == [.close(1001, "Server shutting down"), .closed])
            #expect(await side.sink.closed() == .closed(code: 1001, reason: "Server shutting down"))
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func closeHandshakeTimesOutWhenThePeerNeverAnswers(_ stack: StackUnderTest) async throws {
        // The test configuration's timeout is 200 ms; the client never answers the close.
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect(answerClose: false)
            let start = ContinuousClock.now
            side.sink.connection.close(code: 1008, reason: "Invalid API key")
            #expect(await client.transcript() == [.close(1008, "Invalid API key"), .closed])
            #expect(ContinuousClock.now - start >= .milliseconds(150))
            #expect(await side.sink.closed() == .closed(code: 1008, reason: "Invalid API key"))
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func framesAfterOurCloseAreNotDelivered(_ stack: StackUnderTest) async throws {
        // A long close-handshake timeout keeps the server waiting for our close, however slow the machine.
        try await withTestServer(stack, configuration: BackpressureTests.configuration) { server in
            let (client, side) = try await server.connect(answerClose: false)
            side.sink.connection.close(code: 1000, reason: "App stopped")
            #expect(await client.next() == .close(1000, "App stopped"))
            try await client.sendText("too late")
            try await client.send(opcode: 9, [1])
            try await client.sendClose(1000)
            #expect(await client.transcript() == [.closed])
            #expect(side.sink.all == [.closed(code: 1000, reason: "App stopped")])
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func offLoopSendsKeepTheirOrder(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack, configuration: .init(closeHandshakeTimeout: .milliseconds(200)), echo: false) { server in
            let (client, side) = try await server.connect()
            for index in 0..<500 {
                let result =
                    index.isMultiple(of: 2)
                    ? side.sink.connection.sendText(ByteBuffer(string: "t\(index)"))
                    : side.sink.connection.sendBinary(ByteBuffer(bytes: [UInt8(index & 0xFF)]))
                #expect(result == .accepted)
            }
            side.sink.connection.close(code: 1000, reason: "done")
            var expected: [RawWebSocketClient.Event] = (0..<500).map {
                $0.isMultiple(of: 2) ? .text("t\($0)") : .binary([UInt8($0 & 0xFF)])
            }
            expected += [.close(1000, "done"), .closed]
            #expect(await client.transcript() == expected)
        }
    }
}
