import Logging
import Metrics
import NIOCore
import ServiceLifecycle
import TurnoutConfigFile
import TurnoutCore
import TurnoutFlags
import TurnoutTransport

/// Applies `on_change: migrate`: after a flag edit, connections whose stack changed are closed
/// with 1012 `Service restart`, spread over the flag's `migrate_window`, so the clients
/// reconnect onto their new stack without all arriving at once.
///
/// With `on_change: keep` (the default) it does nothing: open connections keep their stack.
/// The ramp guard's rollback moves connections the same way: it calls ``migrate(_:)`` when it
/// trips, and decisions here go through ``GuardRollbacks`` like the router's.
struct StackMigrator: Service {
    let flags: FlagStore
    let rollbacks: GuardRollbacks
    let connections: OpenConnections
    let eventLoops: any EventLoopGroup
    let logger: Logger
    /// Called with each applied snapshot before it migrates: the guard re-arms first, so a
    /// rollback an edit lifts is lifted before the targets are decided.
    var beforeMigrating: @Sendable (FlagSnapshot) -> Void = { _ in }

    func run() async throws {
        let events = flags.reloadEvents()
        await cancelWhenGracefulShutdown {
            for await event in events {
                if case .applied = event.result {
                    let snapshot = flags.snapshot
                    beforeMigrating(snapshot)
                    migrate(snapshot)
                }
            }
        }
    }

    /// Schedules a 1012 close for each open connection the snapshot now places on the other stack.
    func migrate(_ snapshot: FlagSnapshot) {
        guard let flag = snapshot.file.flag(named: FlagFile.nativeTransport), flag.onChange == .migrate else { return }
        let window = flag.migrateWindow
        var moved = 0
        for entry in connections.current() {
            guard let connection = entry.connection else { continue }
            let endpoint: Endpoint = entry.endpoint == .glasses ? .glasses : .app
            let target = rollbacks.apply(snapshot.decide(userId: entry.userId, endpoint: endpoint)).stack.transportStack
            guard target != entry.stack else { continue }
            moved += 1
            Counter(label: "turnout_migrations_total", dimensions: [("from", entry.stack.label), ("to", target.label)]).increment()
            let delay = Self.delay(within: window)
            eventLoops.next().scheduleTask(in: delay) {
                connection.close(code: 1012, reason: "Service restart")
            }
        }
        if moved > 0 {
            logger.info(
                "migrating connections to their new stack",
                metadata: ["connections": "\(moved)", "window": "\(window)", "generation": "\(snapshot.generation)"]
            )
        }
    }

    /// A uniformly random delay in `0..<window`, so reconnects spread out.
    private static func delay(within window: Duration) -> TimeAmount {
        let (seconds, attoseconds) = window.components
        let nanoseconds = seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        return .nanoseconds(nanoseconds > 0 ? Int64.random(in: 0..<nanoseconds) : 0)
    }
}
