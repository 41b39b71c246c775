// A Hummingbird 2 WebSocket echo, the peer "what a new Hummingbird user would write": a WebSocket router as
// HummingbirdWebSocket's README has it, and for fan-out a connection manager in the shape of Hummingbird's
// websocket-chat example (an actor of per-connection output channels). One event loop.

import ArgumentParser
import AsyncAlgorithms
import Hummingbird
import HummingbirdWebSocket
import NIOPosix
import PeerOptions

/// Every open connection's output, for fan-out; each connection drains its own channel into its socket.
actor OutboundConnections {
    typealias OutputStream = AsyncChannel<WebSocketOutboundWriter.OutboundFrame>

    private var outboundWriters: [Int: OutputStream] = [:]
    private var nextID = 0

    func add(_ outbound: OutputStream) -> Int {
        self.nextID += 1
        self.outboundWriters[self.nextID] = outbound
        return self.nextID
    }

    func remove(_ id: Int) {
        self.outboundWriters[id] = nil
    }

    func send(_ frame: WebSocketOutboundWriter.OutboundFrame) async {
        for outbound in self.outboundWriters.values {
            await outbound.send(frame)
        }
    }
}

extension WebSocketOutboundWriter.OutboundFrame {
    init(_ message: WebSocketMessage) {
        switch message {
        case .text(let text): self = .text(text)
        case .binary(let buffer): self = .binary(buffer)
        }
    }
}

@main
struct HummingbirdWebSocketEcho: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hummingbird-ws-echo",
        abstract: "A Hummingbird 2 WebSocket echo (or fan-out) on one event loop, on 127.0.0.1."
    )

    @OptionGroup var options: PeerOptions

    func run() async throws {
        let router = Router()
        router.get("/") { _, _ in "hummingbird-ws-echo\n" }

        let wsRouter = Router(context: BasicWebSocketRequestContext.self)
        switch self.options.mode {
        case .echo:
            wsRouter.ws("/") { inbound, outbound, _ in
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    try await outbound.write(.init(message))
                }
            }
        case .fanout:
            let connections = OutboundConnections()
            wsRouter.ws("/") { inbound, outbound, _ in
                let output = OutboundConnections.OutputStream()
                let id = await connections.add(output)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // This connection's writer: what the room sends it, in order.
                    group.addTask {
                        for await frame in output {
                            try await outbound.write(frame)
                        }
                    }
                    do {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            await connections.send(.init(message))
                        }
                    } catch {
                        // The connection failed: it leaves the room all the same, as in the chat example.
                    }
                    await connections.remove(id)
                    output.finish()
                    try await group.waitForAll()
                }
            }
        }

        let app = Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: wsRouter),
            configuration: .init(address: .hostname("127.0.0.1", port: self.options.port)),
            eventLoopGroupProvider: .shared(MultiThreadedEventLoopGroup(numberOfThreads: 1))
        )
        try await app.runService()
    }
}
