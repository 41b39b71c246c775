import Foundation
import NIOCore
import TurnoutCore

/// Where the server is and how to observe it: public and admin addresses, process id.
struct ServerUnderTest: Sendable {
    var host: String
    var port: Int
    var adminHost: String
    var adminPort: Int
    var pid: Int32?
    let group: any EventLoopGroup

    /// CPU and RSS now; `nil` without a pid.
    func sample() -> ProcessSample? {
        self.pid.flatMap(ProcessSample.process)
    }

    /// The text of `/metrics`.
    func metrics() async throws -> MetricsText {
        let response = try await HTTPGet.fetch(group: self.group, host: self.adminHost, port: self.adminPort, path: "/metrics")
        guard response.status == 200 else { throw BenchError.connect("/metrics answered \(response.status)") }
        return MetricsText(response.body)
    }

    /// The stack the flags give `userId` on `endpoint`, from `/admin/route`.
    func route(userId: String, endpoint: String) async throws -> BenchStack {
        let query = userId.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? userId
        let response = try await HTTPGet.fetch(
            group: self.group,
            host: self.adminHost,
            port: self.adminPort,
            path: "/admin/route?userId=\(query)&endpoint=\(endpoint)"
        )
        guard response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let stack = (object["stack"] as? String).flatMap(BenchStack.init(rawValue:))
        else {
            throw BenchError.connect("/admin/route for \(userId) answered \(response.status): \(response.body)")
        }
        return stack
    }

    /// The ramp guard of native-transport from `/admin/flags`, as one line: `armed (0 bad
    /// windows of 12)` or `tripped on abnormal_closes at +6.2 s after the load started, after 3
    /// bad windows: native … compat … (p = …)`.
    func guardState(since loadStarted: Date) async -> String {
        guard let response = try? await HTTPGet.fetch(group: self.group, host: self.adminHost, port: self.adminPort, path: "/admin/flags"),
            response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let flags = (object["snapshot"] as? [String: Any])?["flags"] as? [[String: Any]],
            let report = flags.first(where: { $0["name"] as? String == "native-transport" })?["guard"] as? [String: Any]
        else { return "unknown (/admin/flags has no guard for native-transport)" }
        let judged = report["windowsJudged"] as? Int ?? 0
        let bad = (report["badWindowsBySignal"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key }
        let badText = bad.isEmpty ? "no bad window" : "bad windows " + bad.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        guard report["state"] as? String == "tripped", let trip = report["trip"] as? [String: Any] else {
            return "armed (\(judged) windows judged, \(badText), \(report["badWindows"] as? Int ?? 0) in a row at the end)"
        }
        let signal = trip["signal"] as? String ?? "?"
        let parser = ISO8601DateFormatter()
        parser.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let at = (trip["at"] as? String).flatMap(parser.date(from:))
        let offset = at.map { String(format: "+%.1f s", $0.timeIntervalSince(loadStarted)) } ?? "?"
        return "tripped on \(signal) at \(offset) after the load started, after \(trip["windows"] as? Int ?? 0) bad windows in a row "
            + "(\(judged) windows judged, \(badText)): "
            + "\(trip["summary"] as? String ?? "")"
    }

    /// The open connections and the native share of them, from `/admin/connections`; asked up to
    /// three times, as an admin port busy with a soak's churn can drop one request.
    func connectionShare() async throws -> (total: Int, nativePercent: Double) {
        var attempt = 0
        while true {
            do {
                return try await self.connectionShareOnce()
            } catch {
                attempt += 1
                if attempt == 3 { throw error }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func connectionShareOnce() async throws -> (total: Int, nativePercent: Double) {
        let response = try await HTTPGet.fetch(group: self.group, host: self.adminHost, port: self.adminPort, path: "/admin/connections")
        guard response.status == 200,
            let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let total = object["total"] as? Int,
            let byStack = object["connections"] as? [String: [String: Int]]
        else {
            throw BenchError.connect("/admin/connections answered \(response.status): \(response.body)")
        }
        let native = byStack["native"]?.values.reduce(0, +) ?? 0
        return (total, total > 0 ? 100 * Double(native) / Double(total) : 0)
    }

    /// Waits (at most `timeout`) until `GET /health` on the public port answers 200.
    func waitUntilHealthy(timeout: Duration, stillRunning: @Sendable () -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if !stillRunning() { throw BenchError.serverStart("the server exited during start-up") }
            if let response = try? await HTTPGet.fetch(group: self.group, host: self.host, port: self.port, path: "/health"), response.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchError.serverStart("the server did not answer GET /health on \(self.host):\(self.port) within \(timeout)")
    }
}

/// Parses `ws://host:port` or `http://host:port` (a path, if any, is ignored).
package struct HostPort: Hashable, Sendable {
    /// Host name or address.
    package var host: String
    /// TCP port.
    package var port: Int
    /// The path and query after the authority, `/` when there is none.
    package var path: String

    /// Creates one from its parts.
    package init(host: String, port: Int, path: String) {
        self.host = host
        self.port = port
        self.path = path
    }

    /// - Throws: ``BenchError/invalidOption(_:)`` for anything that is not `scheme://host:port[/path]`.
    package init(url: String) throws(BenchError) {
        guard let scheme = url.range(of: "://") else { throw .invalidOption("'\(url)' is not a URL like ws://127.0.0.1:8002") }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let colon = authority.lastIndex(of: ":"), let port = Int(authority[authority.index(after: colon)...]), (1...65535).contains(port) else {
            throw .invalidOption("'\(url)' needs an explicit port, like ws://127.0.0.1:8002")
        }
        self.host = String(authority[..<colon])
        self.port = port
        self.path = authorityEnd == rest.endIndex ? "/" : String(rest[authorityEnd...])
    }
}
