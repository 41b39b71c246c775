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

    /// Opens `count` connections with at most `concurrency` handshakes in flight, so thousands
    /// open in seconds without a burst the server's accept backlog would refuse.
    ///
    /// - Parameters:
    ///   - connect: Opens connection `index` (with ``connect(on:host:port:uri:install:)``).
    /// - Returns: The channels, in index order.
    /// - Throws: The first failure, after closing the channels already collected.
    static func connectAll(
        count: Int,
        concurrency: Int = 64,
        _ connect: @escaping @Sendable (_ index: Int) async throws -> any Channel
    ) async throws -> [any Channel] {
        var channels = [(any Channel)?](repeating: nil, count: count)
        do {
            try await withThrowingTaskGroup(of: (Int, any Channel).self) { group in
                var next = 0
                func startNext() {
                    guard next < count else { return }
                    let index = next
                    next += 1
                    group.addTask { (index, try await connect(index)) }
                }
                for _ in 0..<min(concurrency, count) { startNext() }
                while let (index, channel) = try await group.next() {
                    channels[index] = channel
                    startNext()
                }
            }
        } catch {
            for case let channel? in channels { channel.close(promise: nil) }
            throw error
        }
        return channels.compactMap { $0 }
    }
}
