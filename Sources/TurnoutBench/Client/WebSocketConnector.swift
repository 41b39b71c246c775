import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Opens client WebSocket connections to the server under test with NIO's typed upgrader.
///
/// The caller's `install` closure runs on the connection's event loop right after the upgrade,
/// with the frame encoder and decoder already in the pipeline, and adds the scenario's handler.
enum WebSocketConnector {
    private enum Outcome: Sendable {
        case upgraded
        case refused
    }

    /// Connects to `host:port`, upgrades `uri` and installs the scenario's handler.
    ///
    /// The connect and the upgrade each give up after 10 s.
    ///
    /// - Parameters:
    ///   - loop: The client event loop the connection lives on.
    ///   - install: Adds the handler; runs on `loop` before any frame is read.
    /// - Returns: The upgraded channel.
    /// - Throws: ``BenchError/connect(_:)`` when the TCP connect or the upgrade fails.
    static func connect(
        on loop: any EventLoop,
        host: String,
        port: Int,
        uri: String,
        install: @escaping @Sendable (any Channel) throws -> Void
    ) async throws -> any Channel {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: ["Host": "\(host):\(port)"])
        let connected: (any Channel, EventLoopFuture<Outcome>)
        do {
            connected = try await ClientBootstrap(group: loop)
                .connectTimeout(.seconds(10))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let upgrader = NIOTypedWebSocketClientUpgrader<Outcome>(maxFrameSize: 1 << 24) { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try install(channel)
                                return Outcome.upgraded
                            }
                        }
                        let configuration = NIOTypedHTTPClientUpgradeConfiguration<Outcome>(
                            upgradeRequestHead: head,
                            upgraders: [upgrader],
                            notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(.refused) }
                        )
                        let outcome = try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                            configuration: .init(upgradeConfiguration: configuration)
                        )
                        return (channel, outcome)
                    }
                }
        } catch {
            throw BenchError.connect("could not connect to \(host):\(port): \(error)")
        }
        let (channel, outcome) = connected
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
        defer { timeout.cancel() }
        let result: Outcome
        do {
            result = try await outcome.get()
        } catch {
            channel.close(promise: nil)
            throw BenchError.connect("the upgrade of \(uri) failed: \(error)")
        }
        guard result == .upgraded else {
            channel.close(promise: nil)
            throw BenchError.connect("the server refused the WebSocket upgrade of \(uri)")
        }
        return channel
    }
}
