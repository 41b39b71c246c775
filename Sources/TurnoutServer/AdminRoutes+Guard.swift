import Foundation
import NIOHTTP1
import TurnoutConfigFile
import TurnoutFlags
import TurnoutGuard
import TurnoutTransport

extension AdminRoutes {
    /// The flag of `/admin/flags/<name>/guard/reset`, or `nil` for any other path.
    static func guardResetFlag(_ path: String) -> String? {
        let prefix = "/admin/flags/"
        let suffix = "/guard/reset"
        guard path.hasPrefix(prefix), path.hasSuffix(suffix), path.count > prefix.count + suffix.count else { return nil }
        let name = path.dropFirst(prefix.count).dropLast(suffix.count)
        guard !name.contains("/") else { return nil }
        return String(name).removingPercentEncoding ?? String(name)
    }

    /// `POST /admin/flags/<name>/guard/reset`: re-arms the guard and lifts its rollback.
    func resetGuard(flag: String) -> HTTPResponse {
        guard flags.snapshot.file.flag(named: flag) != nil else {
            return .json(.notFound, Self.object(["error": "not_found", "message": "no flag '\(flag)' in \(flags.path)"]))
        }
        guard let guardService, guardService.reset(flag: flag) else {
            return .json(.conflict, Self.object(["error": "no_guard", "message": "flag '\(flag)' has no guard: block"]))
        }
        return .json(.ok, Self.object(["flag": flag, "guard": Self.guardReport(policy: nil, status: guardService.status(flag: flag))]))
    }

    /// The `guard` object of a flag in `/admin/flags`: its block, its state (`armed`, `tripped`),
    /// the bad windows in a row, and, once tripped, the trip's signal, both stacks' figures,
    /// p-value and time; the last window's results.
    static func guardReport(policy: GuardPolicy?, status: GuardService.Status?) -> [String: Any] {
        var report: [String: Any] = [:]
        if let policy = policy ?? status?.policy {
            report["policy"] = Dictionary(uniqueKeysWithValues: policy.fields.map { ($0.key, $0.value as Any) })
        }
        guard let status else {
            report["state"] = "starting"
            return report
        }
        report["windowsJudged"] = status.windowsJudged
        report["badWindowsBySignal"] = Dictionary(uniqueKeysWithValues: status.badWindows.map { ($0.key.rawValue, $0.value) })
        switch status.state {
        case .armed(let badWindows):
            report["state"] = "armed"
            report["badWindows"] = badWindows
        case .tripped(let trip):
            report["state"] = "tripped"
            report["trip"] =
                [
                    "signal": trip.result.signal.rawValue,
                    "action": trip.action.rawValue,
                    "at": iso8601(trip.at),
                    "windows": trip.windows,
                    "native": trip.result.native,
                    "compat": trip.result.compat,
                    "nativeSamples": trip.result.nativeSamples,
                    "compatSamples": trip.result.compatSamples,
                    "pValue": trip.result.pValue,
                    "summary": trip.result.summary,
                ] as [String: Any]
        }
        if let verdict = status.lastVerdict {
            report["lastWindow"] = verdict.results.map { result in
                [
                    "signal": result.signal.rawValue, "verdict": result.verdict.rawValue, "native": result.native, "compat": result.compat,
                    "nativeSamples": result.nativeSamples, "compatSamples": result.compatSamples, "pValue": result.pValue,
                ] as [String: Any]
            }
        }
        return report
    }
}
