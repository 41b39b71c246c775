import NIOCore
import NIOWebSocket
import Testing
import TurnoutCore
import TurnoutTestSupport

@testable import TurnoutTransport

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

    @Test("a close the core waits on calls back once its frame is written, and at once when a close is under way", arguments: StackUnderTest.allCases)
    func closeWhenWrittenCallsBack(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            #expect(side.sink.connection.sendText(ByteBuffer(string: "last words")) == .accepted)
            let written = EventQueue<String>()
            side.sink.connection.close(code: 1000, reason: "App stopped") { written.yield("first") }
            #expect(await written.next() == "first")
            // The frames went out before the callback: the client gets them all.
            #expect(await client.transcript() == [.text("last words"), .close(1000, "App stopped"), .closed])
            side.sink.connection.close(code: 1000, reason: "again") { written.yield("second") }
            #expect(await written.next() == "second")
        }
    }

    @Test(
        "text and a close sent while the connection opens reach the client in that order (JWT-mode init errors do this)",
        arguments: StackUnderTest.allCases
    )
    func sendAndCloseDuringOpenKeepOrder(_ stack: StackUnderTest) async throws {
        let atOpen: @Sendable (any Connection, any EventLoop) -> any WebSocketEventSink = { connection, _ in
            _ = connection.sendText(ByteBuffer(string: "refused"))
            connection.close(code: 1008, reason: "Invalid API key")
            return RecordingSink(connection: connection, echo: false)
        }
        try await withTestServer(stack, forward: atOpen) { server in
            let (client, _) = try await server.connect()
            #expect(await client.transcript() == [.text("refused"), .close(1008, "Invalid API key"), .closed])
        }
    }

    @Test(
        "the installed stack names itself: its own handler is in the pipeline and its connections carry its label",
        arguments: StackUnderTest.allCases
    )
    func installedStackNamesItself(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack) { server in
            let (client, side) = try await server.connect()
            let channel = side.channel
            let (native, compat) = try await channel.eventLoop.submit {
                let pipeline = channel.pipeline.syncOperations
                return (
                    (try? pipeline.handler(type: NativeWebSocketHandler.self)) != nil,
                    (try? pipeline.handler(type: CompatValidatingHandler.self)) != nil
                )
            }.get()
            #expect(native == (stack == .native))
            #expect(compat == (stack == .compat))
            #expect(side.sink.connection.identity.stack.label == stack.rawValue)
            await client.close()
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
            // The client can see the socket go before the server reports it: wait for the report.
            #expect(await side.sink.closed() == .closed(code: 1000, reason: "App stopped"))
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
