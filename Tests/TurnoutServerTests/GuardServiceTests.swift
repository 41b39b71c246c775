import Foundation
import Logging
import ServiceLifecycle
import Testing
import TurnoutConfigFile
import TurnoutCore
import TurnoutFlags
import TurnoutGuard
import TurnoutTestSupport

@testable import TurnoutServer

@Suite("the ramp guard as a service, on the manual scheduler", .timeLimit(.minutes(1)))
struct GuardServiceTests {
    static func flags(percentage: Int = 50, action: String = "rollback", window: String = "5s") -> String {
        """
        version: 1
        flags:
          native-transport:
            percentage: \(percentage)
            users:
              native: [pinned@example.com]
            guard:
              window: \(window)
              min_samples: 100
              consecutive: 2
              action: \(action)

        """
    }

    /// Both stacks' cumulative counters, which the test advances window by window.
    final class FakeSignals: Sendable {
        private let reading = LockedBox((native: StackSignals.Cumulative(), compat: StackSignals.Cumulative()))

        func read() -> GuardService.Reading {
            reading.withLockedValue { $0 }
        }

        /// One more minute of 300 connections a stack, with these abnormal closes.
        func minute(nativeCloses: Int, compatCloses: Int) {
            reading.withLockedValue { reading in
                // 300 connections opened once, then open all along.
                reading.native.connectionsOpened = 300
                reading.compat.connectionsOpened = 300
                reading.native.connectionsActive = 300
                reading.compat.connectionsActive = 300
                reading.native.connectionNanoseconds += 300 * 60_000_000_000
                reading.compat.connectionNanoseconds += 300 * 60_000_000_000
                reading.native.abnormalCloses += nativeCloses
                reading.compat.abnormalCloses += compatCloses
            }
        }
    }

    struct Harness {
        let scheduler = ManualScheduler()
        let signals = FakeSignals()
        let windows = EventQueue<(WindowVerdict, GuardTrip?)>()
        let migrations = LockedBox(0)
        let rollbacks = GuardRollbacks()
        let directory: URL
        let store: FlagStore
        let service: GuardService

        init(flags text: String) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-guard-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let path = directory.appendingPathComponent("flags.yaml").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            var logger = Logger(label: "guard-test")
            logger.logLevel = .critical
            store = try FlagStore.load(path: path, logger: logger)
            let windows = self.windows
            let migrations = self.migrations
            let signals = self.signals
            service = GuardService(
                flags: store,
                rollbacks: rollbacks,
                scheduler: scheduler,
                read: { signals.read() },
                now: { Date(timeIntervalSince1970: 1_800_000_000) },
                migrate: { _ in migrations.withLockedValue { $0 += 1 } },
                onWindow: { windows.yield(($0, $1)) },
                logger: logger
            )
        }

        func rewrite(_ text: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: store.path))
            store.reloadNow()
            service.flagsApplied(store.snapshot)
        }

        /// The decision for a user in the rollout (bucket below 50 %) and for the pinned user.
        func decisions() -> (rollout: Decision, pinned: Decision) {
            let snapshot = store.snapshot
            // A user whose bucket is below 50 under the flag's salt, found once.
            let user = (0..<1000).lazy.map { "user\($0)@example.com" }.first {
                snapshot.decide(userId: $0, endpoint: .glasses).stack == .native
            }!
            return (
                rollbacks.apply(snapshot.decide(userId: user, endpoint: .glasses)),
                rollbacks.apply(snapshot.decide(userId: "pinned@example.com", endpoint: .glasses))
            )
        }

        /// Runs the service while `body` runs, then stops it and checks no timer is left.
        func run(_ body: @Sendable (Harness) async throws -> Void) async throws {
            var logger = Logger(label: "guard-test")
            logger.logLevel = .critical
            let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                // The service arms on the flags at start; wait until its first timer is set.
                while scheduler.pendingCount == 0 { await Task.yield() }
                try await body(self)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            #expect(scheduler.pendingCount == 0)
            try? FileManager.default.removeItem(at: directory)
        }

        /// Ends a window of `nativeCloses` against `compatCloses` and returns its verdict and trip.
        func window(nativeCloses: Int, compatCloses: Int) async -> (WindowVerdict, GuardTrip?)? {
            signals.minute(nativeCloses: nativeCloses, compatCloses: compatCloses)
            scheduler.advance(by: .seconds(5))
            return await windows.next()
        }
    }

    @Test("two bad windows trip it: rollout users go to compat by guard-rollback, pinned users stay, the migrator runs")
    func tripsAndRollsBack() async throws {
        try await Harness(flags: Self.flags()).run { harness in
            let first = await harness.window(nativeCloses: 40, compatCloses: 2)
            #expect(first?.0.firstBad?.signal == .abnormalCloses)
            #expect(first?.1 == nil)
            #expect(harness.decisions().rollout.rule == .rollout)
            let second = try #require(await harness.window(nativeCloses: 40, compatCloses: 2))
            let trip = try #require(second.1)
            #expect(trip.result.signal == .abnormalCloses)
            #expect(trip.windows == 2)
            #expect(trip.action == .rollback)
            #expect(trip.at == Date(timeIntervalSince1970: 1_800_000_000))
            #expect(BinomialTailTests.close(trip.result.pValue, 9.536155863268847e-06))

            let (rollout, pinned) = harness.decisions()
            #expect(rollout.stack == .compat)
            #expect(rollout.rule == .guardRollback)
            #expect(rollout.percentage == .zero)
            #expect(pinned.stack == .native)
            #expect(pinned.rule == .pinnedNative)
            #expect(harness.migrations.withLockedValue { $0 } == 1)
            let status = try #require(harness.service.status(flag: FlagFile.nativeTransport))
            #expect(status.state == .tripped(trip))
            #expect(status.badWindows == [.abnormalCloses: 2])
            #expect(status.windowsJudged == 2)

            // Tripped stays tripped: more windows change nothing.
            let later = await harness.window(nativeCloses: 0, compatCloses: 0)
            #expect(later?.1 == nil)
            #expect(harness.rollbacks.isRolledBack(FlagFile.nativeTransport))
        }
    }

    @Test("a saved change to the flag re-arms it and lifts the rollback; an unchanged reload does not")
    func editRearms() async throws {
        try await Harness(flags: Self.flags()).run { harness in
            _ = await harness.window(nativeCloses: 40, compatCloses: 2)
            _ = await harness.window(nativeCloses: 40, compatCloses: 2)
            #expect(harness.rollbacks.isRolledBack(FlagFile.nativeTransport))
            try harness.rewrite(Self.flags())  // the same definition: still rolled back
            #expect(harness.rollbacks.isRolledBack(FlagFile.nativeTransport))
            try harness.rewrite(Self.flags(percentage: 25))
            #expect(!harness.rollbacks.isRolledBack(FlagFile.nativeTransport))
            #expect(harness.service.status(flag: FlagFile.nativeTransport)?.state == .armed(badWindows: 0))
            #expect(harness.decisions().rollout.rule == .rollout)
            // Armed again: two more bad windows trip it again.
            _ = await harness.window(nativeCloses: 40, compatCloses: 2)
            let again = await harness.window(nativeCloses: 40, compatCloses: 2)
            #expect(again?.1?.windows == 2)
        }
    }

    @Test("reset re-arms and lifts the rollback; a flag without a guard cannot be reset")
    func reset() async throws {
        try await Harness(flags: Self.flags()).run { harness in
            _ = await harness.window(nativeCloses: 40, compatCloses: 2)
            _ = await harness.window(nativeCloses: 40, compatCloses: 2)
            #expect(harness.service.reset(flag: "no-such-flag") == false)
            #expect(harness.service.reset(flag: FlagFile.nativeTransport))
            #expect(!harness.rollbacks.isRolledBack(FlagFile.nativeTransport))
            #expect(harness.service.status(flag: FlagFile.nativeTransport)?.state == .armed(badWindows: 0))
            // The reset moves users back under migrate: the migrator ran for the trip and the reset.
            #expect(harness.migrations.withLockedValue { $0 } == 2)
        }
    }

    @Test("action: alert trips and counts but rolls nothing back")
    func alertOnly() async throws {
        try await Harness(flags: Self.flags(action: "alert")).run { harness in
            _ = await harness.window(nativeCloses: 40, compatCloses: 2)
            let second = await harness.window(nativeCloses: 40, compatCloses: 2)
            #expect(second?.1?.action == .alert)
            #expect(!harness.rollbacks.isRolledBack(FlagFile.nativeTransport))
            #expect(harness.decisions().rollout.rule == .rollout)
            #expect(harness.migrations.withLockedValue { $0 } == 0)
        }
    }

    @Test("a handful of closes at 1 % never trips it, window after window")
    func handfulNeverTrips() async throws {
        try await Harness(flags: Self.flags()).run { harness in
            for round in 0..<20 {
                let outcome = await harness.window(nativeCloses: 3, compatCloses: round % 2)
                #expect(outcome?.0.firstBad == nil)
                #expect(outcome?.1 == nil)
            }
            #expect(!harness.rollbacks.isRolledBack(FlagFile.nativeTransport))
        }
    }
}

/// The exact figures of TurnoutGuardTests, for the expectations here.
enum BinomialTailTests {
    static func close(_ value: Double, _ expected: Double, relative: Double = 1e-9) -> Bool {
        abs(value - expected) <= relative * abs(expected)
    }
}
