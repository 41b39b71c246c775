import Foundation
import NIOHTTP1
import TurnoutConfigFile
import TurnoutCore
import TurnoutFlags
import TurnoutTransport

/// The admin port's answers: the dashboard at `/`, `/metrics`, `/admin/flags`,
/// `/admin/flags/history`, `/admin/route`, `/admin/connections`, `/admin/compare`, and the one
/// POST, `/admin/flags/<name>/guard/reset`.
///
/// When the port is bound beyond loopback every request needs `Authorization: Bearer <token>`.
struct AdminRoutes: Sendable {
    let flags: FlagStore
    let core: SessionRegistry
    /// The samples behind `/admin/compare`.
    let compare: CompareHistory
    /// The flags the ramp guard rolled back, applied to `/admin/route` as to the router.
    let rollbacks: GuardRollbacks
    /// The ramp guard, for its state in `/admin/flags` and its reset.
    let guardService: GuardService?
    /// `nil` when the admin port is loopback-only and needs no token.
    let requiredToken: AdminToken?

    /// - Parameters:
    ///   - compare: The samples behind `/admin/compare`.
    ///   - requiredToken: `TURNOUT_ADMIN_TOKEN` when the port is bound beyond loopback.
    init(
        flags: FlagStore,
        core: SessionRegistry,
        compare: CompareHistory,
        rollbacks: GuardRollbacks = .init(),
        guardService: GuardService? = nil,
        requiredToken: String?
    ) {
        self.rollbacks = rollbacks
        self.guardService = guardService
        self.flags = flags
        self.core = core
        self.compare = compare
        self.requiredToken = requiredToken.map(AdminToken.init)
    }

    func respond(to head: HTTPRequestHead) -> HTTPResponse {
        let request = UpgradeRequest(head: head)
        if let requiredToken, !requiredToken.accepts(request.bearerToken) {
            return HTTPResponse(
                status: .unauthorized,
                body: #"{"error":"unauthorized","message":"the admin port requires Authorization: Bearer $TURNOUT_ADMIN_TOKEN"}"#,
                extraHeaders: [("WWW-Authenticate", "Bearer")]
            )
        }
        if let flag = Self.guardResetFlag(request.path) {
            guard head.method == .POST else {
                return .json(.methodNotAllowed, Self.object(["error": "method_not_allowed", "message": "\(request.path) answers POST only"]))
            }
            return resetGuard(flag: flag)
        }
        guard head.method == .GET else {
            return .json(.methodNotAllowed, #"{"error":"method_not_allowed","message":"the admin port answers GET only"}"#)
        }
        switch request.path {
        case "/metrics":
            return HTTPResponse(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: TurnoutMetrics.render())
        case "/admin/flags":
            return .json(.ok, flagsReport())
        case "/admin/flags/history":
            return .json(.ok, Self.object(Self.history(of: flags)))
        case "/admin/route":
            return route(request)
        case "/":
            return HTTPResponse(status: .ok, contentType: "text/html; charset=utf-8", body: DashboardPage.html)
        case "/admin/compare":
            return .json(.ok, CompareReport.json(compare, series: request.query["series"] == "1").text)
        case "/admin/connections":
            return .json(.ok, connections(userId: request.query["userId"]))
        default:
            return .json(.notFound, Self.object(["error": "not_found", "message": "no admin route at \(request.path)"]))
        }
    }

    /// The explain object of `turnout flags explain --json` for one user.
    private func route(_ request: UpgradeRequest) -> HTTPResponse {
        let endpointName = request.query["endpoint"] ?? "glasses"
        guard let endpoint = Endpoint(rawValue: endpointName) else {
            return .json(.badRequest, Self.object(["error": "bad_request", "message": "unknown endpoint '\(endpointName)'; use glasses or app"]))
        }
        let userId = request.query["userId"].flatMap { $0.isEmpty ? nil : $0 }
        let flag = request.query["flag"] ?? FlagFile.nativeTransport
        return .json(.ok, rollbacks.apply(flags.decide(userId: userId, endpoint: endpoint, flag: flag)).jsonObject(userId: userId))
    }

    /// `{"file","sha256","loadedAt","snapshot","lastReload"}`.
    private func flagsReport() -> String {
        let snapshot = flags.snapshot
        var report: [String: Any] = [
            "file": flags.path,
            "source": snapshot.source,
            "generation": snapshot.generation,
            "loadedAt": Self.iso8601(snapshot.loadedAt),
            "sha256": flags.servedSHA256.map { $0 as Any } ?? NSNull(),
            "snapshot": [
                "version": snapshot.file.version,
                "flags": snapshot.file.flags.map { flag in
                    var described = Self.describe(flag)
                    if let policy = flag.guardPolicy {
                        described["guard"] = Self.guardReport(policy: policy, status: guardService?.status(flag: flag.name))
                    }
                    return described
                },
            ] as [String: Any],
        ]
        if let last = flags.lastReload {
            var lastReload: [String: Any] = [
                "at": Self.iso8601(last.at), "ok": last.ok, "result": last.resultLabel, "trigger": last.trigger.rawValue,
            ]
            if let error = last.error { lastReload["error"] = error }
            report["lastReload"] = lastReload
        }
        return Self.object(report)
    }

    private static func describe(_ flag: FlagDefinition) -> [String: Any] {
        [
            "name": flag.name,
            "description": flag.description,
            "enabled": flag.enabled,
            "percentage": Decimal(flag.percentage.hundredths) / 100,
            "salt": flag.salt,
            "endpoints": Endpoint.allCases.filter(flag.endpoints.contains).map(\.rawValue),
            "users": ["native": flag.nativeUsers, "compat": flag.compatUsers],
            "unidentified": flag.unidentified.rawValue,
            "on_change": flag.onChange.rawValue,
            "migrate_window_ms": flag.migrateWindow.components.seconds * 1000 + flag.migrateWindow.components.attoseconds / 1_000_000_000_000_000,
        ]
    }

    /// Counts by stack × endpoint, or one user's sockets.
    private func connections(userId: String?) -> String {
        if let userId {
            let sockets: [[String: Any]] = core.connections(ofUser: userId).map { info in
                var socket: [String: Any] = [
                    "endpoint": info.endpoint.rawValue, "stack": info.stack.label, "remote": info.remoteAddress, "openedAt": info.openedAt.iso8601,
                ]
                if let packageName = info.packageName { socket["packageName"] = packageName }
                return socket
            }
            return Self.object(["userId": userId, "connections": sockets])
        }
        var byStack: [String: [String: Int]] = [:]
        var total = 0
        for stack in [TransportStack.compat, .native] {
            byStack[stack.label] = Dictionary(uniqueKeysWithValues: ConnectionEndpoint.allCases.map { ($0.rawValue, 0) })
        }
        for (key, count) in core.connectionCounts() {
            byStack[key.stack.label, default: [:]][key.endpoint.rawValue, default: 0] += count
            total += count
        }
        return Self.object(["connections": byStack, "total": total])
    }

    static func object(_ value: [String: Any]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            return #"{"error":"internal","message":"could not encode the answer"}"#
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func iso8601(_ date: Date) -> String {
        Timestamp(millisecondsSince1970: Int64((date.timeIntervalSince1970 * 1000).rounded())).iso8601
    }
}
