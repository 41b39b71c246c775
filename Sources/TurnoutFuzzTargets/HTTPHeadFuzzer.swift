import Logging
import NIOCore
import NIOEmbedded
import TurnoutCore

@testable import TurnoutTransport

/// The `http` target: the public port's pipeline exactly as ``PublicChannelInitializer`` builds
/// it (head size and timeout limits, NIO's HTTP decoder, the connection caps, the upgrader and
/// the router, the stacks' installs), on a test channel fed arbitrary bytes in arbitrary chunks
/// (``ChunkedInput``), then closed.
///
/// Asserts:
/// - whatever is answered is an HTTP/1.x response with a status the server may send (101, 200,
///   400, 401, 404, 408, 431, 503), and every one of ours but NIO's bare 400 carries JSON;
/// - every upgrade decision finishes (no hang on the router);
/// - once the connection closes, nothing stays counted: no open connection against the caps, no
///   pending upgrade, no live connection or session in the core.
enum HTTPHeadFuzzer {
    /// Statuses the public port answers with.
    static let statuses: Set<Int> = [101, 200, 400, 401, 404, 408, 431, 503]
    /// A small head limit, so that inputs reach the 431; one trusted proxy, so that
    /// `X-Forwarded-For` is read.
    static let limits = PublicPortLimits(maxRequestHeadBytes: 2_048, trustedProxies: 1)

    static let scheduler = DrainableScheduler()
    static let core = SessionRegistry(
        configuration: CoreConfiguration(heartbeat: .disabled),
        apps: AppRegistryStore(),
        webhookSender: NoWebhooks(),
        scheduler: scheduler,
        logger: FuzzRouter.logger
    )
    static let initializer = PublicChannelInitializer(
        router: FuzzRouter.router,
        stacks: .production,
        core: core,
        diagnostics: nil,
        health: { #"{"status":"ok"}"# },
        openConnections: OpenConnections(),
        limits: limits,
        logger: FuzzRouter.logger
    )

    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let input = ChunkedInput(bytes)
        let chunks = input.chunks
        // Built here, outside the wait: its set-up waits for the token authority.
        let initializer = self.initializer
        let result: Result<[UInt8], FuzzFailure> = waitFor { await self.exchange(chunks, through: initializer) }
        self.scheduler.drain()
        try self.checkResponse(try result.get())
        try check(self.initializer.connectionLimiter.openConnections == 0, "a closed connection is still counted against the cap")
        try check(self.initializer.pendingUpgrades.count == 0, "an upgrade is still pending after its connection closed")
        try check(
            self.core.liveConnectionCount == 0 && self.core.sessionCount == 0,
            "the core still holds \(self.core.liveConnectionCount) connections and \(self.core.sessionCount) sessions"
        )
    }

    /// Opens a connection, sends the chunks, waits for the upgrade decision, and closes; returns
    /// every byte the server wrote before the close: a response, or a 101 and WebSocket frames.
    static func exchange(
        _ chunks: [ArraySlice<UInt8>],
        through initializer: PublicChannelInitializer = HTTPHeadFuzzer.initializer
    ) async -> Result<[UInt8], FuzzFailure> {
        let channel = NIOAsyncTestingChannel()
        do {
            try await channel.testingEventLoop.executeInContext { initializer.initialize(channel) }.get()
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40_000)).get()
        } catch {
            return .failure(FuzzFailure("the pipeline could not be set up: \(error)"))
        }
        for chunk in chunks {
            guard channel.isActive else { break }
            do {
                try await channel.writeInbound(ByteBuffer(bytes: chunk))
            } catch {
                // The pipeline raised an error (a malformed request): the connection closes.
                break
            }
        }
        // The router runs off the event loop; it must finish, refusal or not.
        guard await self.upgradesFinish(initializer) else { return .failure(FuzzFailure("an upgrade decision took over 10 s")) }
        await channel.testingEventLoop.run()
        var written: [UInt8] = []
        while let data = try? await channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = data { written += Array(buffer: buffer) }
        }
        _ = try? await channel.close().get()
        // Fire what the handlers left scheduled (a refusal's linger close, say): the test loop's
        // clock only moves when told, and a task never run would keep the channel alive.
        await channel.testingEventLoop.advanceTime(by: .hours(1))
        // The close can complete a request the decoder held (its last bytes decoded at EOF), whose
        // upgrade decision then starts: it must finish too.
        guard await self.upgradesFinish(initializer) else {
            return .failure(FuzzFailure("an upgrade decision started at the close took over 10 s"))
        }
        await channel.testingEventLoop.run()
        _ = try? await channel.finish()
        // finish() can start one more decision (the decoder's last bytes at EOF); its release runs
        // on the test loop, which moves only when told: run it until nothing is pending.
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while initializer.pendingUpgrades.count > 0, ContinuousClock.now < deadline {
            await channel.testingEventLoop.run()
            try? await Task.sleep(for: .milliseconds(1))
        }
        return .success(written)
    }

    /// Waits up to 10 s for the upgrade decisions under way to finish; `false` if they did not.
    static func upgradesFinish(_ initializer: PublicChannelInitializer) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while initializer.pendingUpgrades.count > 0 {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .microseconds(50))
        }
        return true
    }

    /// The response, if one was written, starts with a well-formed head of a known status.
    static func checkResponse(_ written: [UInt8]) throws(FuzzFailure) {
        guard !written.isEmpty else { return }
        let headEnd = written.firstRange(of: [13, 10, 13, 10])?.upperBound ?? written.count
        let text = String(decoding: written[..<headEnd], as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 ") || text.hasPrefix("HTTP/1.0 "), let status = Int(text.dropFirst(9).prefix(3)) else {
            throw FuzzFailure("the server wrote something that is not a response head: \(text.prefix(80))")
        }
        try check(self.statuses.contains(status), "the server answered \(status)")
        if status != 101 && status != 400 {
            try check(text.lowercased().contains("content-type: application/json"), "a \(status) without a JSON body")
        }
    }
}
