import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Testing
import TurnoutCore
import TurnoutTestSupport

@testable import TurnoutTransport

/// The stack a parameterized test runs on.
enum StackUnderTest: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case compat
    case native

    var testDescription: String { self.rawValue }

    /// A fresh stack (with its own backpressure counters): the one `turnout serve` runs, so that
    /// the suite tests what production installs.
    func make() -> any WebSocketStack {
        let stacks = TransportStacks.production
        return switch self {
        case .compat: stacks.compat
        case .native: stacks.native
        }
    }
}

extension WebSocketStackConfiguration {
    /// Small limits so tests hit them quickly; a short close-handshake timeout.
    static let test = WebSocketStackConfiguration(
        maxMessageSize: 1024,
        maxQueuedTextBytes: 16 << 10,
        writeBufferLowWaterMark: 1 << 10,
        writeBufferHighWaterMark: 4 << 10,
        closeHandshakeTimeout: .milliseconds(200)
    )
}

/// What a recording sink saw, in order.
enum SinkEvent: Hashable, Sendable {
    case text(String)
    case binary([UInt8])
    case pong
    case closed(code: UInt16?, reason: String?)
}

/// A sink that records every event and optionally echoes messages (like ``EchoResponder``) or
/// hands them on to another sink (a ``FanoutResponder``, say).
///
/// A forwarded close is handed on before it is recorded, so a test that saw `.closed` knows the
/// other sink has handled it.
final class RecordingSink: WebSocketEventSink {
    let connection: any Connection
    private let echo: Bool
    private let forward: (any WebSocketEventSink)?
    private let recorded = LockedBox<[SinkEvent]>([])
    let events = EventQueue<SinkEvent>()

    init(connection: any Connection, echo: Bool, forward: (any WebSocketEventSink)? = nil) {
        self.connection = connection
        self.echo = echo
        self.forward = forward
    }

    var all: [SinkEvent] { self.recorded.withLockedValue { $0 } }

    private func record(_ event: SinkEvent) {
        self.recorded.withLockedValue { $0.append(event) }
        self.events.yield(event)
    }

    func textReceived(_ text: ByteBuffer) {
        self.record(.text(String(buffer: text)))
        if self.echo { _ = self.connection.sendText(text) }
        self.forward?.textReceived(text)
    }

    func binaryReceived(_ data: ByteBuffer) {
        self.record(.binary(Array(buffer: data)))
        if self.echo { _ = self.connection.sendBinary(data) }
        self.forward?.binaryReceived(data)
    }

    func pongReceived() {
        self.record(.pong)
        self.forward?.pongReceived()
    }

    func connectionClosed(code: UInt16?, reason: String?) {
        self.forward?.connectionClosed(code: code, reason: reason)
        self.record(.closed(code: code, reason: reason))
        self.events.finish()
    }

    /// Waits for the close report.
    func closed() async -> SinkEvent? {
        while let event = await self.events.next() {
            if case .closed = event { return event }
        }
        return nil
    }
}

/// One accepted WebSocket connection on the test server.
struct ServerSide: Sendable {
    let channel: any Channel
    let sink: RecordingSink
}

/// A loopback server (NIOPosix + NIOHTTP1 + `NIOWebSocketServerUpgrader`) that installs the stack
/// under test, with the upgrader parameters the router uses.
struct TestServer: Sendable {
    let port: Int
    let stack: any WebSocketStack
    private let accepted: EventQueue<ServerSide>

    init(port: Int, stack: any WebSocketStack, accepted: EventQueue<ServerSide>) {
        self.port = port
        self.stack = stack
        self.accepted = accepted
    }

    /// The next connection the server accepted and upgraded.
    func nextConnection() async throws -> ServerSide {
        try #require(await self.accepted.next())
    }

    /// Connects a raw client and returns it with the server side of the connection.
    func connect(answerClose: Bool = true, receiveBufferSize: Int? = nil) async throws -> (RawWebSocketClient, ServerSide) {
        let client = try await RawWebSocketClient.connect(port: self.port, answerClose: answerClose, receiveBufferSize: receiveBufferSize)
        return (client, try await self.nextConnection())
    }
}

/// Runs `body` with a server for the stack; the sinks echo when `echo` is true.
///
/// - Parameters:
///   - group: The server's event loops.
///   - forward: Makes a sink each connection's events are also handed to, given the connection
///     and its loop (called on that loop).
func withTestServer<T>(
    _ stack: StackUnderTest,
    configuration: WebSocketStackConfiguration = .test,
    echo: Bool = true,
    sendBufferSize: Int? = nil,
    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    forward: (@Sendable (any Connection, any EventLoop) -> any WebSocketEventSink)? = nil,
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let webSocketStack = stack.make()
    let accepted = EventQueue<ServerSide>()
    var bootstrap = ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    if let sendBufferSize {
        bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: .init(sendBufferSize))
    }
    let server = try await bootstrap.childChannelInitializer { channel in
        let upgrader = StackUpgrader(
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            install: { channel, _ in
                let identity = ConnectionIdentity.glasses(userId: "test@localhost", stack: webSocketStack.stack, remoteAddress: "test")
                try webSocketStack.install(on: channel, identity: identity, configuration: configuration) { connection in
                    let sink = RecordingSink(connection: connection, echo: echo, forward: forward?(connection, channel.eventLoop))
                    accepted.yield(ServerSide(channel: channel, sink: sink))
                    return sink
                }
            }
        )
        return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
    }.bind(host: "127.0.0.1", port: 0).get()
    let port = try #require(server.localAddress?.port)
    do {
        let result = try await body(TestServer(port: port, stack: webSocketStack, accepted: accepted))
        try await server.close()
        return result
    } catch {
        try? await server.close()
        throw error
    }
}
