import Foundation
package import NIOCore
import NIOPosix
package import NIOSSL

/// A WebSocket client that sends crafted bytes and records every frame it receives.
///
/// It performs the HTTP upgrade itself, then parses server frames (recording the RSV bits, mask
/// bit, opcode and payload as they are on the wire) until the TCP connection closes. By default it
/// answers a close frame from the server with a masked close frame of the same code, as a
/// well-behaved client would.
package final class RawWebSocketClient: Sendable {
    /// One frame as it arrived from the server.
    package struct Frame: Hashable, Sendable, CustomStringConvertible {
        package var fin: Bool
        package var rsv: UInt8
        package var masked: Bool
        package var opcode: UInt8
        package var payload: [UInt8]

        package var closeCode: UInt16? {
            guard self.opcode == 8, self.payload.count >= 2 else { return nil }
            return UInt16(self.payload[0]) << 8 | UInt16(self.payload[1])
        }

        package var closeReason: String {
            String(decoding: self.payload.dropFirst(2), as: UTF8.self)
        }

        package var text: String { String(decoding: self.payload, as: UTF8.self) }

        package var description: String {
            let body = self.opcode == 8 ? "close(\(self.closeCode.map(String.init) ?? "-"), \"\(self.closeReason)\")" : "\(self.payload.count) bytes"
            return "frame(op \(self.opcode)\(self.fin ? "" : " !fin")\(self.rsv != 0 ? " rsv" : "")\(self.masked ? " masked" : ""): \(body))"
        }
    }

    /// What the client saw, in order.
    package enum Event: Hashable, Sendable, CustomStringConvertible {
        case frame(Frame)
        /// The TCP connection closed.
        case closed

        package var description: String {
            switch self {
            case .frame(let frame): frame.description
            case .closed: "closed"
            }
        }

        /// A final server frame: unmasked, no RSV bits.
        package static func server(_ opcode: UInt8, _ payload: [UInt8]) -> Event {
            .frame(Frame(fin: true, rsv: 0, masked: false, opcode: opcode, payload: payload))
        }

        package static func text(_ text: String) -> Event { .server(1, Array(text.utf8)) }
        package static func binary(_ bytes: [UInt8]) -> Event { .server(2, bytes) }
        package static func pong(_ bytes: [UInt8]) -> Event { .server(10, bytes) }
        package static let ping = Event.server(9, [])

        /// A close frame with code and reason; `nil` code for an empty close frame.
        package static func close(_ code: UInt16?, _ reason: String = "") -> Event {
            guard let code else { return .server(8, []) }
            return .server(8, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
        }
    }

    package let channel: any Channel
    private let events: EventQueue<Event>

    private init(channel: any Channel, events: EventQueue<Event>) {
        self.channel = channel
        self.events = events
    }

    /// The server answered the upgrade with something other than 101.
    package struct UpgradeRefused: Error, Hashable, Sendable {
        /// The status code, e.g. 401.
        package var status: Int
        /// The response headers, names lower-cased.
        package var headers: [String: String]
        /// The body, read up to `Content-Length`.
        package var body: String
    }

    /// Connects to `127.0.0.1:port`, upgrades `path` and returns once the server answered 101.
    ///
    /// - Parameters:
    ///   - headers: Extra request headers, e.g. `Authorization`.
    ///   - handshake: Replaces the standard WebSocket headers when a test needs a broken handshake.
    ///   - answerClose: Answer a server close frame with a close frame of the same code.
    ///   - answerPings: Answer server pings with pongs (the core's heartbeat expects it).
    ///   - tls: Speak TLS (wss) with this client configuration; the server's certificate is then
    ///     readable with `channel.nioSSL_peerCertificate()`. Default plain text.
    /// - Throws: ``UpgradeRefused`` with the server's status and body when it refuses.
    package static func connect(
        port: Int,
        path: String = "/",
        headers: [(String, String)] = [],
        handshake: [(String, String)]? = nil,
        answerClose: Bool = true,
        answerPings: Bool = false,
        receiveBufferSize: Int? = nil,
        tls: TLSConfiguration? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RawWebSocketClient {
        let tlsContext = try tls.map { try NIOSSLContext(configuration: $0) }
        let events = EventQueue<Event>()
        let upgraded = group.next().makePromise(of: Void.self)
        var bootstrap = ClientBootstrap(group: group)
        if let receiveBufferSize {
            bootstrap = bootstrap.channelOption(.socketOption(.so_rcvbuf), value: .init(receiveBufferSize))
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: nil))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        RawClientHandler(events: events, upgraded: upgraded, answerClose: answerClose, answerPings: answerPings)
                    )
                }
            }.connect(host: "127.0.0.1", port: port).get()
        } catch {
            // No handler ever saw the promise; leaving it unfulfilled trips NIO's leak check.
            upgraded.fail(error)
            throw error
        }
        let standard = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
        ]
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        for (name, value) in (handshake ?? standard) + headers {
            request += "\(name): \(value)\r\n"
        }
        request += "\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request)).get()
        do {
            try await upgraded.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return RawWebSocketClient(channel: channel, events: events)
    }

    /// Writes raw bytes.
    package func write(_ bytes: [UInt8]) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Writes one frame (masked with a fixed key unless `masked` is false).
    package func send(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) async throws {
        try await self.write(Self.encode(opcode: opcode, payload, fin: fin, rsv: rsv, masked: masked))
    }

    package func sendText(_ text: String, fin: Bool = true) async throws { try await self.send(opcode: 1, Array(text.utf8), fin: fin) }
    package func sendBinary(_ bytes: [UInt8], fin: Bool = true) async throws { try await self.send(opcode: 2, bytes, fin: fin) }

    /// Sends a close frame with this code (and reason).
    package func sendClose(_ code: UInt16, _ reason: String = "") async throws {
        try await self.send(opcode: 8, [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8))
    }

    /// Stops (`false`) or resumes reading from the socket.
    package func setAutoRead(_ on: Bool) async throws {
        try await self.channel.setOption(.autoRead, value: on).get()
        if on { self.channel.read() }
    }

    /// Every event the client has received so far, consumed by ``next()`` or not.
    package var received: [Event] {
        self.events.history
    }

    /// The next event; `.closed` forever after the connection closed.
    package func next() async -> Event {
        await self.events.next() ?? .closed
    }

    /// Every event up to and including the TCP close.
    package func transcript() async -> [Event] {
        var events: [Event] = []
        while true {
            let event = await self.next()
            events.append(event)
            if event == .closed { return events }
        }
    }

    package func close() async {
        try? await self.channel.close()
    }

    package static func encode(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, masked: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | (rsv << 4) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        switch payload.count {
        case 0..<126:
            bytes.append(maskBit | UInt8(payload.count))
        case 126...0xFFFF:
            bytes.append(maskBit | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default:
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((UInt64(payload.count) >> (UInt64($0) * 8)) & 0xFF) }
        }
        guard masked else { return bytes + payload }
        let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        bytes += key
        bytes += payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
        return bytes
    }
}

/// Parses the 101 response, then server frames; yields them to the client's stream.
private final class RawClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let events: EventQueue<RawWebSocketClient.Event>
    private let upgraded: EventLoopPromise<Void>
    private let answerClose: Bool
    private let answerPings: Bool
    private var buffer = ByteBuffer()
    private var handshakeDone = false

    init(events: EventQueue<RawWebSocketClient.Event>, upgraded: EventLoopPromise<Void>, answerClose: Bool, answerPings: Bool) {
        self.events = events
        self.upgraded = upgraded
        self.answerClose = answerClose
        self.answerPings = answerPings
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&bytes)
        if !self.handshakeDone {
            let view = self.buffer.readableBytesView
            guard let end = view.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let head = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
            self.buffer.moveReaderIndex(to: end.upperBound)
            guard head.hasPrefix("HTTP/1.1 101") else {
                // Wait for the whole refusal body, then report it.
                let refusal = Self.refusal(head: head)
                let length = Int(refusal.headers["content-length"] ?? "0") ?? 0
                guard self.buffer.readableBytes >= length else {
                    self.buffer.moveReaderIndex(to: self.buffer.readerIndex - (end.upperBound - view.startIndex))
                    return
                }
                var refused = refusal
                refused.body = self.buffer.readString(length: length) ?? ""
                self.handshakeDone = true
                self.upgraded.fail(refused)
                context.close(promise: nil)
                return
            }
            self.handshakeDone = true
            self.upgraded.succeed()
        }
        while let frame = self.parseFrame() {
            self.events.yield(.frame(frame))
            if frame.opcode == 9, self.answerPings {
                let pong = RawWebSocketClient.encode(opcode: 10, frame.payload)
                context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: pong)), promise: nil)
            }
            if frame.opcode == 8, self.answerClose {
                let code = Array(frame.payload.prefix(2))
                let reply = RawWebSocketClient.encode(opcode: 8, code)
                context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(bytes: reply)), promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.upgraded.fail(ChannelError.eof)
        self.events.yield(.closed)
        self.events.finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private static func refusal(head: String) -> RawWebSocketClient.UpgradeRefused {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return .init(status: status, headers: headers, body: "")
    }

    private func parseFrame() -> RawWebSocketClient.Frame? {
        var copy = self.buffer
        guard let b0 = copy.readInteger(as: UInt8.self), let b1 = copy.readInteger(as: UInt8.self) else { return nil }
        var length = Int(b1 & 0x7F)
        if length == 126 {
            guard let l = copy.readInteger(as: UInt16.self) else { return nil }
            length = Int(l)
        } else if length == 127 {
            guard let l = copy.readInteger(as: UInt64.self) else { return nil }
            length = Int(l)
        }
        let masked = b1 & 0x80 != 0
        var key: [UInt8] = []
        if masked {
            guard let k = copy.readBytes(length: 4) else { return nil }
            key = k
        }
        guard var payload = copy.readBytes(length: length) else { return nil }
        if masked { payload = payload.enumerated().map { $0.element ^ key[$0.offset % 4] } }
        self.buffer = copy
        self.buffer.discardReadBytes()
        return .init(fin: b0 & 0x80 != 0, rsv: (b0 >> 4) & 0x7, masked: masked, opcode: b0 & 0x0F, payload: payload)
    }
}
