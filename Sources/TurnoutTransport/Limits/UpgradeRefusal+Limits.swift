import NIOHTTP1
package import TurnoutCore

extension UpgradeRefusal {
    /// 408 when the request head did not arrive within ``PublicPortLimits/requestHeadTimeout``.
    package static func requestTimeout(after timeout: Duration, at time: Timestamp) -> UpgradeRefusal {
        UpgradeRefusal(
            reason: .requestTimeout,
            status: .requestTimeout,
            body: body(type: "error", code: "REQUEST_TIMEOUT", message: "The request head did not arrive within \(describe(timeout))", at: time)
        )
    }

    /// 431 when the request head is larger than ``PublicPortLimits/maxRequestHeadBytes``.
    package static func headTooLarge(limit: Int, at time: Timestamp) -> UpgradeRefusal {
        UpgradeRefusal(
            reason: .headTooLarge,
            status: .requestHeaderFieldsTooLarge,
            body: body(type: "error", code: "REQUEST_HEAD_TOO_LARGE", message: "The request head is larger than \(limit) bytes", at: time)
        )
    }

    /// 503 with `Retry-After` when a connection cap or the pending-upgrade cap is reached.
    ///
    /// - Parameter what: The cap, for the message: `connections`, `connections from this address`
    ///   or `pending upgrades`.
    package static func overCapacity(_ what: String, retryAfterSeconds: Int, at time: Timestamp) -> UpgradeRefusal {
        UpgradeRefusal(
            reason: .overCapacity,
            status: .serviceUnavailable,
            body: body(type: "error", code: "OVER_CAPACITY", message: "Too many \(what); retry later", at: time),
            retryAfterSeconds: retryAfterSeconds
        )
    }

    /// `10 s`, or `200 ms` when the duration is not whole seconds.
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000) ms"
    }
}
