package import NIOCore
package import NIOHTTP1
import NIOWebSocket

/// The WebSocket upgrader of the public port: NIO's handshake, then the chosen stack installs its
/// own frame handling.
///
/// `NIOWebSocketServerUpgrader` validates the request and answers with `Sec-WebSocket-Accept`,
/// but it also adds NIO's frame decoder and encoder before any stack is chosen. The compat stack
/// wants them (websocket-kit consumes NIO's frames); the native stack frames bytes itself. So
/// this upgrader lends the handshake from NIO and leaves the pipeline to the stack's `install`.
package struct StackUpgrader: HTTPServerProtocolUpgrader, Sendable {
    private let handshake: NIOWebSocketServerUpgrader
    private let install: @Sendable (any Channel, HTTPRequestHead) throws -> Void

    /// Creates the upgrader of one connection.
    ///
    /// - Parameters:
    ///   - shouldUpgrade: NIO's `shouldUpgrade`: the extra response headers, or `nil` to refuse.
    ///   - install: Adds the stack's handlers to the channel once the 101 is sent; runs on the
    ///     channel's event loop. A thrown error closes the connection.
    package init(
        shouldUpgrade: @escaping @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>,
        install: @escaping @Sendable (any Channel, HTTPRequestHead) throws -> Void
    ) {
        self.handshake = NIOWebSocketServerUpgrader(
            // Unused: the stack's own decoder enforces its limit.
            maxFrameSize: 1 << 24,
            automaticErrorHandling: false,
            shouldUpgrade: shouldUpgrade,
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() }
        )
        self.install = install
    }

    package var supportedProtocol: String { self.handshake.supportedProtocol }

    package var requiredUpgradeHeaders: [String] { self.handshake.requiredUpgradeHeaders }

    package func buildUpgradeResponse(
        channel: any Channel,
        upgradeRequest: HTTPRequestHead,
        initialResponseHeaders: HTTPHeaders
    ) -> EventLoopFuture<HTTPHeaders> {
        self.handshake.buildUpgradeResponse(channel: channel, upgradeRequest: upgradeRequest, initialResponseHeaders: initialResponseHeaders)
    }

    package func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        do {
            try self.install(context.channel, upgradeRequest)
            return context.eventLoop.makeSucceededVoidFuture()
        } catch {
            // NIO's upgrade handler would only fire the error and keep buffering: the client would
            // hold a 101 and silence. Close instead.
            context.close(promise: nil)
            return context.eventLoop.makeFailedFuture(error)
        }
    }
}
