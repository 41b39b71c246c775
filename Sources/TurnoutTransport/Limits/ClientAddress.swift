import Foundation
import NIOCore
import NIOHTTP1

/// The client address a connection is counted under: the socket's peer, or the entry of
/// `X-Forwarded-For` written by the outermost trusted proxy.
enum ClientAddress {
    /// The peer's IP address without its port, or `unknown`.
    static func peer(_ address: SocketAddress?) -> String {
        address?.ipAddress ?? "unknown"
    }

    /// The client address of a request.
    ///
    /// With `trustedProxies` N greater than 0, each trusted proxy appended the address it saw to
    /// `X-Forwarded-For` (every header line joined by commas, in order), so the client is the
    /// entry N from the right; entries further left were written by the client itself and are
    /// ignored. With fewer than N entries the leftmost one is used, and with none the peer.
    static func resolve(peer: SocketAddress?, headers: HTTPHeaders, trustedProxies: Int) -> String {
        guard trustedProxies > 0 else { return Self.peer(peer) }
        let hops = headers[canonicalForm: "x-forwarded-for"]
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard !hops.isEmpty else { return Self.peer(peer) }
        return String(hops[max(0, hops.count - trustedProxies)])
    }
}
