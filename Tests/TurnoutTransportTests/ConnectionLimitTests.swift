import NIOCore
import NIOHTTP1
import Testing

@testable import TurnoutTransport

/// The counting behind the connection caps, and where a client's address comes from.
@Suite("Connection limits: counting and client addresses")
struct ConnectionLimitTests {
    @Test("the total and per-address caps admit up to their limit and free a slot on release")
    func limiterCounts() {
        let limiter = ConnectionLimiter(maxConnections: 2, maxPerAddress: 1)
        #expect(limiter.admitConnection())
        #expect(limiter.admitConnection())
        #expect(!limiter.admitConnection())
        #expect(limiter.openConnections == 2)
        limiter.releaseConnection()
        #expect(limiter.admitConnection())

        #expect(limiter.admit(address: "203.0.113.7"))
        #expect(!limiter.admit(address: "203.0.113.7"))
        #expect(limiter.admit(address: "203.0.113.8"))
        limiter.release(address: "203.0.113.7")
        #expect(limiter.connections(from: "203.0.113.7") == 0)
        #expect(limiter.admit(address: "203.0.113.7"))
    }

    @Test("pending upgrades admit up to the limit and free a slot on release")
    func pendingCounts() {
        let pending = PendingUpgrades(limit: 1)
        #expect(pending.tryAcquire())
        #expect(!pending.tryAcquire())
        pending.release()
        #expect(pending.count == 0)
        #expect(pending.tryAcquire())
    }

    @Test(
        "X-Forwarded-For is read N hops from the right, and only behind trusted proxies",
        arguments: [
            ([String](), 0, "192.0.2.1"),
            (["203.0.113.7"], 0, "192.0.2.1"),
            ([String](), 1, "192.0.2.1"),
            (["203.0.113.7"], 1, "203.0.113.7"),
            (["198.51.100.1, 203.0.113.7"], 1, "203.0.113.7"),
            (["198.51.100.1, 203.0.113.7", "10.0.0.2"], 1, "10.0.0.2"),
            (["198.51.100.1, 203.0.113.7", "10.0.0.2"], 2, "203.0.113.7"),
            (["203.0.113.7"], 3, "203.0.113.7"),
        ]
    )
    func forwardedFor(headers: [String], trustedProxies: Int, expected: String) throws {
        let peer = try SocketAddress(ipAddress: "192.0.2.1", port: 40_000)
        var fields = HTTPHeaders()
        for value in headers { fields.add(name: "X-Forwarded-For", value: value) }
        #expect(ClientAddress.resolve(peer: peer, headers: fields, trustedProxies: trustedProxies) == expected)
    }
}
