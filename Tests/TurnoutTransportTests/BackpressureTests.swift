import NIOCore
import Testing
import TurnoutCore
import TurnoutTestSupport
import TurnoutTransport

/// A client that stops reading: audio is dropped, text queued, then 1008 `Slow consumer`.
@Suite(.timeLimit(.minutes(1)))
struct BackpressureTests {
    /// Small socket buffers so that the channel stops being writable after little data.
    static let socketBuffer = 4096
    /// The test limits, with a close-handshake timeout long enough for the client to catch up.
    static let configuration: WebSocketStackConfiguration = {
        var configuration = WebSocketStackConfiguration.test
        configuration.closeHandshakeTimeout = .seconds(10)
        return configuration
    }()

    @Test(arguments: StackUnderTest.allCases)
    func slowConsumer(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack, configuration: Self.configuration, echo: false, sendBufferSize: Self.socketBuffer) { server in
            let (client, side) = try await server.connect(receiveBufferSize: Self.socketBuffer)
            try await client.setAutoRead(false)
            let connection = side.sink.connection
            let audio = ByteBuffer(repeating: 1, count: 1024)
            let text = ByteBuffer(repeating: UInt8(ascii: "x"), count: 1024)
            let counters = try #require(server.backpressure)

            // Everything below runs in one go on the event loop, so the socket cannot drain and
            // become writable again between the steps.
            struct Steps: Sendable {
                var sentBeforeDrop = -1
                var droppedAgain: SendResult = .accepted
                var queued: [SendResult] = []
                var overflow: SendResult = .accepted
                var afterClose: SendResult = .accepted
            }
            let steps = try await side.channel.eventLoop.submit { () -> Steps in
                var steps = Steps()
                // Fill the socket with audio until the stack starts dropping it (bounded).
                for index in 0..<100_000 where connection.sendBinary(audio) == .dropped {
                    steps.sentBeforeDrop = index
                    break
                }
                steps.droppedAgain = connection.sendBinary(audio)
                // Text is queued up to maxQueuedTextBytes (16 KiB in tests) ...
                steps.queued = (0..<16).map { _ in connection.sendText(text) }
                // ... and one byte more closes the connection.
                steps.overflow = connection.sendText(ByteBuffer(string: "x"))
                steps.afterClose = connection.sendText(text)
                return steps
            }.get()
            let sentBeforeDrop = steps.sentBeforeDrop
            #expect(sentBeforeDrop > 0)
            #expect(steps.droppedAgain == .dropped)
            #expect(counters.count(.audioDropped) == 2)
            #expect(steps.queued == Array(repeating: .queued, count: 16))
            #expect(counters.count(.textQueued) == 16)
            #expect(steps.overflow == .dropped)
            #expect(counters.count(.slowConsumerClose) == 1)
            #expect(steps.afterClose == .dropped)

            try await client.setAutoRead(true)
            let transcript = await client.transcript()
            let frames = transcript.compactMap { event -> RawWebSocketClient.Frame? in
                guard case .frame(let frame) = event else { return nil }
                return frame
            }
            #expect(frames.count == sentBeforeDrop + 1)
            #expect(frames.dropLast().allSatisfy { $0.opcode == 2 && $0.payload.count == 1024 })
            #expect(transcript.suffix(2) == [.close(1008, "Slow consumer"), .closed])
            #expect(await side.sink.closed() == .closed(code: 1008, reason: "Slow consumer"))
        }
    }

    @Test(arguments: StackUnderTest.allCases)
    func queuedTextDrainsInOrderWhenWritableAgain(_ stack: StackUnderTest) async throws {
        try await withTestServer(stack, configuration: Self.configuration, echo: false, sendBufferSize: Self.socketBuffer) { server in
            let (client, side) = try await server.connect(receiveBufferSize: Self.socketBuffer)
            try await client.setAutoRead(false)
            let connection = side.sink.connection
            let audio = ByteBuffer(repeating: 1, count: 1024)
            // Fill and queue in one go on the event loop, so the socket cannot drain in between.
            let (sent, queued) = try await side.channel.eventLoop.submit { () -> (Int, [SendResult]) in
                var sent = -1
                for index in 0..<100_000 where connection.sendBinary(audio) == .dropped {
                    sent = index
                    break
                }
                let queued = (0..<5).map { connection.sendText(ByteBuffer(string: "queued \($0)")) }
                return (sent, queued)
            }.get()
            #expect(sent > 0)
            #expect(queued == Array(repeating: .queued, count: 5))
            try await client.setAutoRead(true)
            for _ in 0..<sent {
                #expect(await client.next() == .binary(Array(repeating: 1, count: 1024)))
            }
            for index in 0..<5 {
                #expect(await client.next() == .text("queued \(index)"))
            }
            // Writable again: text is accepted straight away.
            #expect(connection.sendText(ByteBuffer(string: "after")) == .accepted)
            #expect(await client.next() == .text("after"))
            connection.close(code: 1000, reason: "done")
            let rest = await client.transcript()
            #expect(rest.suffix(2) == [.close(1000, "done"), .closed])
        }
    }
}

extension TestServer {
    /// The backpressure counters of the stack under test.
    var backpressure: BackpressureCounters? {
        switch self.stack {
        case let stack as NativeStack: stack.backpressure
        case let stack as CompatStack: stack.backpressure
        default: nil
        }
    }
}
