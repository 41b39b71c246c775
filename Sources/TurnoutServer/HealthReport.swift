import Foundation
import TurnoutConfigFile
import TurnoutCore
import TurnoutFlags
import TurnoutTransport

/// The body of `GET /health` on the public port.
enum HealthReport {
    /// `{"status":"ok","version":…,"flags":{…},"connections":{"compat":n,"native":m}}`, and
    /// `"faults":{"injected":[…],"seed":n}` when faults are injected, so nobody mistakes a drill
    /// server for a real one.
    static func render(flags: FlagStore, core: SessionRegistry, faults: FaultPlan = .init()) -> String {
        let snapshot = flags.snapshot
        var byStack = ["compat": 0, "native": 0]
        for (key, count) in core.connectionCounts() {
            byStack[key.stack.label, default: 0] += count
        }
        let age = max(0, Date().timeIntervalSince(snapshot.loadedAt))
        var report: [String: Any] = [
            "status": "ok",
            "version": TurnoutVersion.current,
            "flags": [
                "source": snapshot.source,
                "loadedAt": AdminRoutes.iso8601(snapshot.loadedAt),
                "snapshotAgeSeconds": (age * 10).rounded() / 10,
                "lastReloadOk": flags.lastReload?.ok ?? true,
            ] as [String: Any],
            "connections": byStack,
        ]
        if !faults.isEmpty {
            report["faults"] = ["injected": faults.faults.map(\.description), "seed": faults.seed] as [String: Any]
        }
        return AdminRoutes.object(report)
    }
}
