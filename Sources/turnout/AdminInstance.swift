import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import TurnoutFlags

/// One running server's admin port, as `turnout flags ramp --admin-url` watches it.
struct AdminInstance: Sendable {
    /// What `/admin/flags` says about one flag.
    struct FlagState: Sendable, Equatable {
        /// The percentage the served snapshot holds; `nil` when the flag is not in it.
        var percentage: Percentage?
        /// The SHA-256 of the file the served snapshot came from.
        var sha256: String?
        /// The last reload's error, when it failed (an invalid edit the server refused).
        var lastError: String?
        /// The flag's ramp guard on this instance; `nil` when the flag has no `guard:` block.
        var guardState: GuardState? = nil
    }

    /// A flag's ramp guard as `/admin/flags` shows it.
    struct GuardState: Sendable, Equatable {
        /// `armed`, `tripped`, or `starting` (no window judged yet).
        var state: String
        /// When tripped: the signal, both stacks' figures and the p-value, in one line.
        var trip: String?

        /// Whether the guard lets a ramp go on.
        var isGreen: Bool { state != "tripped" }
    }

    /// Connection counts from `/admin/connections`.
    struct Connections: Sendable, Equatable {
        var native: Int
        var total: Int
    }

    /// Why an instance did not answer as expected; the sentence leaves the instance's URL to the caller.
    struct Failure: Error, Sendable, CustomStringConvertible {
        var description: String
    }

    /// The base URL as given, without a trailing slash: `http://10.0.0.5:9090`.
    let url: String
    /// The bearer token the admin port requires beyond loopback; `nil` for none.
    let token: String?

    init(url: String, token: String?) {
        self.url = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.token = token
    }

    /// `GET /admin/flags`, reduced to what the ramp compares for `flag`.
    ///
    /// - Parameter timeout: How long the request may take, connecting included (an unreachable
    ///   instance is retried until then).
    func flagState(of flag: String, timeout: Duration = .seconds(5)) async throws(Failure) -> FlagState {
        let object = try await get("/admin/flags", timeout: timeout)
        let snapshot = object["snapshot"] as? [String: Any]
        let flags = snapshot?["flags"] as? [[String: Any]] ?? []
        let described = flags.first { $0["name"] as? String == flag }
        let percentage = (described?["percentage"] as? NSNumber).flatMap { number in
            Percentage(hundredths: Int((number.doubleValue * 100).rounded()))
        }
        let lastReload = object["lastReload"] as? [String: Any]
        let guardState = (described?["guard"] as? [String: Any]).map { report in
            let trip = report["trip"] as? [String: Any]
            return GuardState(
                state: report["state"] as? String ?? "unknown",
                trip: trip.map { "\($0["summary"] as? String ?? "") at \($0["at"] as? String ?? "?")" }
            )
        }
        return FlagState(
            percentage: percentage,
            sha256: object["sha256"] as? String,
            lastError: lastReload?["error"] as? String,
            guardState: guardState
        )
    }

    /// `GET /admin/connections`: native and total sockets, every endpoint counted.
    func connections() async throws(Failure) -> Connections {
        let object = try await get("/admin/connections", timeout: .seconds(5))
        let byStack = object["connections"] as? [String: Any] ?? [:]
        let native = (byStack["native"] as? [String: Any] ?? [:]).values.reduce(0) { $0 + (($1 as? NSNumber)?.intValue ?? 0) }
        return Connections(native: native, total: (object["total"] as? NSNumber)?.intValue ?? 0)
    }

    /// `GET /admin/route`: the decision the instance makes now for `userId`, the ramp guard's
    /// rollback included (rule `guard-rollback`).
    func route(userId: String, endpoint: Endpoint, flag: String) async throws(Failure) -> Decision {
        var query = URLComponents()
        query.queryItems = [
            .init(name: "userId", value: userId), .init(name: "endpoint", value: endpoint.rawValue), .init(name: "flag", value: flag),
        ]
        let object = try await get("/admin/route?" + (query.percentEncodedQuery ?? ""), timeout: .seconds(5))
        guard let stack = (object["stack"] as? String).flatMap(Stack.init(rawValue:)),
            let rule = (object["rule"] as? String).flatMap(Decision.Rule.init(rawValue:)),
            let percentage = (object["percentage"] as? NSNumber).flatMap({ Percentage(hundredths: Int(($0.doubleValue * 100).rounded())) })
        else {
            throw Failure(description: "/admin/route answered an object without stack, rule and percentage")
        }
        return Decision(
            flag: flag,
            endpoint: endpoint,
            stack: stack,
            rule: rule,
            bucket: (object["bucket"] as? NSNumber)?.intValue,
            percentage: percentage
        )
    }

    private func get(_ path: String, timeout: Duration) async throws(Failure) -> [String: Any] {
        var request = HTTPClientRequest(url: url + path)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let body: ByteBuffer
        let status: UInt
        do {
            let milliseconds = max(50, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(milliseconds))
            status = response.status.code
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw Failure(description: "does not answer (\(error))")
        }
        guard status == 200 else {
            throw Failure(description: "\(path) answered \(status): \(String(buffer: body))")
        }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] else {
            throw Failure(description: "\(path) did not answer a JSON object")
        }
        return object
    }
}
