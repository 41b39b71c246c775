import NIOCore
import NIOHTTP1
import NIOPosix
import Testing
import TurnoutTestSupport
import TurnoutTransport

@Suite("StackUpgrader: NIO's handshake, the stack's framing", .timeLimit(.minutes(1)))
struct StackUpgraderTests {
    struct InstallFailed: Error {}

    @Test("a stack that cannot install closes the connection after the 101 instead of leaving it silent")
    func failedInstallCloses() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                let upgrader = StackUpgrader(
                    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                    install: { _, _ in throw InstallFailed() }
                )
                return channel.pipeline.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        let client = try await RawWebSocketClient.connect(port: port)
        let event = await client.next()
        #expect(event.description == "closed")
        await client.close()
        try await server.close()
    }
}
