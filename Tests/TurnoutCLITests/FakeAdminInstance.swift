import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An admin port that serves a flag file as a Turnout instance would (`/admin/flags` with the
/// file's percentage and SHA-256, `/admin/connections`), whose ramp guard trips on request: what
/// a real server does only under load, for the ramp plan's trip path.
final class FakeAdminInstance: Sendable {
    private let channel: any Channel
    private let tripped = Atomic<Bool>(false)
    /// `http://127.0.0.1:PORT`.
    let url: String

    private init(channel: any Channel) {
        self.channel = channel
        self.url = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)"
    }

    /// Serves `flagsPath` on a free loopback port.
    static func start(flagsPath: String) async throws -> FakeAdminInstance {
        let box = NIOLockedValueBox<FakeAdminInstance?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        Handler(answer: { path in box.withLockedValue { $0 }?.answer(path, flagsPath) ?? "{}" })
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let instance = FakeAdminInstance(channel: channel)
        box.withLockedValue { $0 = instance }
        return instance
    }

    /// From now on the guard reports a trip.
    func trip() {
        tripped.store(true, ordering: .relaxed)
    }

    func stop() async {
        try? await channel.close()
    }

    private func answer(_ path: String, _ flagsPath: String) -> String {
        if path.hasPrefix("/admin/connections") {
            return #"{"connections":{"compat":{"glasses":3},"native":{"glasses":1}},"total":4}"#
        }
        let bytes = (try? Data(contentsOf: URL(fileURLWithPath: flagsPath))) ?? Data()
        let sha256 = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        let text = String(decoding: bytes, as: UTF8.self)
        let percentage =
            text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("percentage:") }
            .flatMap { $0.split(separator: ":")[1].split(separator: "#")[0].trimmingCharacters(in: .whitespaces) } ?? "0"
        let guardReport =
            tripped.load(ordering: .relaxed)
            ? #"{"state":"tripped","trip":{"signal":"abnormal_closes","at":"2026-11-30T12:00:00.000Z","summary":"abnormal_closes native 0.9 compat 0 per connection-minute (p = 1e-09, 400/400 samples)"}}"#
            : #"{"state":"armed","badWindows":0}"#
        return #"{"sha256":"\#(sha256)","snapshot":{"flags":[{"name":"native-transport","percentage":\#(percentage),"guard":\#(guardReport)}]}}"#
    }

    private final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let answer: @Sendable (String) -> String

        init(answer: @escaping @Sendable (String) -> String) {
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let body = answer(head.uri)
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(body.utf8.count)")])
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
