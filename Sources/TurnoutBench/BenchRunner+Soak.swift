import Foundation
import NIOCore
import TurnoutFlags
import TurnoutTransport

/// `--churn`: the soak. The ramp's steps over and over, each one with churn, and the server's
/// resources sampled at the quiescent point that ends it.
extension BenchRunner {
    /// Runs the soak. Each step of `--every`:
    /// 1. a tenth of the users (at least one) leave: their apps are stopped and their glasses
    ///    close with 1000; as many new users join in their slots and start sending;
    /// 2. the flag moves to the next step of `--ramp`, with `on_change: migrate`;
    /// 3. half-way through, one user stops an app and starts it again from the glasses (the
    ///    server restarts it through the webhook, as the SDK expects), and another user's last
    ///    app stops reading until 90 % of the step (a slow consumer);
    /// 4. at the end, once every user is connected with every app running and no move pending,
    ///    the server's RSS, descriptors and threads are sampled.
    ///
    /// Every check of the ramp holds throughout.
    func measureSoak(
        _ plan: RampPlan,
        soak: SoakPlan,
        server: ServerUnderTest,
        flags: SpawnedFlagFile,
        stats: [NIOLoopBound<LoopStats>],
        authority: TokenAuthority
    ) async throws -> (results: [StackResult], ramp: RampResult, soak: SoakVerdict) {
        guard let pid = server.pid else { throw BenchError.setup("the soak samples the server's /proc: it needs a spawned server") }
        let pacing = UserDriver.Pacing.rate(json: self.options.rate, audio: self.options.audioRate)
        defer {
            for channel in self.registry.clear() { channel.close(promise: nil) }
        }
        var csv: FileHandle?
        if let path = soak.samplesPath {
            guard FileManager.default.createFile(atPath: path, contents: Data((SoakSample.csvHeader + "\n").utf8)),
                let handle = FileHandle(forWritingAtPath: path)
            else { throw BenchError.invalidOption("--samples: cannot write \(path)") }
            handle.seekToEndOfFile()
            csv = handle
        }
        defer { try? csv?.close() }

        var run = try await self.startRamp(server: server, flags: flags, stats: stats, authority: authority)

        let clock = ContinuousClock()
        let start = clock.now
        let expectedConnections = self.options.users * (1 + self.options.apps)
        let leaversPerStep = max(1, self.options.users / 10)
        var samples: [SoakSample] = []
        var step = 0
        while clock.now - start < soak.duration {
            step += 1
            let stepStart = clock.now
            let percent = plan.steps[step % plan.steps.count]
            let label = "soak step \(step): \(percent) %"

            // 1. Users leave and others join in their slots.
            for offset in 0..<leaversPerStep {
                let position = ((step - 1) * leaversPerStep + offset) % run.users.count
                try await self.leave(run.users[position], stats: stats)
                run.users[position] = try await self.connectRampUser(
                    slot: run.users[position].slot,
                    generation: step,
                    snapshot: run.snapshot,
                    stats: stats,
                    server: server,
                    authority: authority,
                    pacing: pacing
                )
            }
            try await self.waitUntilReady(stats)
            for bound in stats {
                try await bound.eventLoop.submit {
                    for user in bound.value.users where !user.finished && !user.running { user.begin(deadline: .max) }
                }.get()
            }

            // 2. The flag moves.
            let edit = try flags.edit(percentage: percent)
            run.snapshot = edit.snapshot
            let moved = try await self.edit(edit, flags: flags, users: &run.users)

            // 3. Half-way: an app restarted from the glasses, and a slow consumer.
            try await self.hold(until: stepStart + plan.every / 2, label: label, stats: stats)
            let restarted = run.users[(step * 7 + 3) % run.users.count].driver
            let slow = run.users[(step * 7 + 5) % run.users.count].driver
            let slowApp = self.options.apps - 1
            // Neither may be half-way through the step's move: an app stopped between its 1012
            // and its reconnect would be reconnected into a session that no longer has it.
            for driver in [restarted, slow] {
                _ = try await self.poll(for: plan.every / 2) { try await driver.eventLoop.submit { driver.value.isSettled }.get() }
            }
            try await restarted.eventLoop.submit { restarted.value.stopApp(0) }.get()
            try await slow.eventLoop.submit { slow.value.setSlow(slowApp, true) }.get()
            let stopped = try await self.poll(for: .seconds(3)) { try await restarted.eventLoop.submit { restarted.value.isStopped(0) }.get() }
            if !stopped { self.registry.fail("\(label): app 0 of a user did not stop within 3 s of stop_app") }
            try await restarted.eventLoop.submit { restarted.value.startApp(0) }.get()
            try await self.hold(until: stepStart + plan.every * 9 / 10, label: label, stats: stats)
            try await slow.eventLoop.submit { slow.value.setSlow(slowApp, false) }.get()
            try await self.hold(until: stepStart + plan.every, label: label, stats: stats)

            // 4. Settle, check the step, sample.
            let settled = try await self.poll(for: .seconds(15)) {
                let users = try await self.collectUsers(stats) { $0.finished || $0.isSettled }
                guard users.allSatisfy({ $0 }) else { return false }
                return try await server.connectionShare().total == expectedConnections
            }
            if !settled {
                let reasons = try await self.collectUsers(stats) { $0.unsettledReason }.compactMap { $0 }
                self.note("\(label): not settled within 15 s of the step's end: \(reasons.prefix(3).joined(separator: "; "))")
            }
            let result = try await self.endStep(step, percent: percent, moved: moved, run: &run, server: server)
            guard let resources = SoakSample.resources(of: pid) else { throw BenchError.setup("the server (pid \(pid)) is gone") }
            let elapsed = clock.now - start
            let sample = SoakSample(
                elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                step: step,
                percent: percent,
                connections: result.connections,
                rssKiB: resources.rssKiB,
                descriptors: resources.descriptors,
                threads: resources.threads
            )
            samples.append(sample)
            csv?.write(Data((sample.csvLine + "\n").utf8))
            self.note(
                "\(result.summary); RSS \(sample.rssKiB) KiB, \(sample.descriptors) descriptors, \(sample.threads) threads"
            )
        }

        let verdict = SoakVerdict(samples: samples, warmupSeconds: SoakVerdict.warmup(of: soak.duration))
        var finished = try await self.finishRamp(plan, run: run, server: server, stats: stats)
        finished.ramp.failures += self.registry.failureMessages
        return (finished.results, finished.ramp, verdict)
    }

    /// `user` leaves: stops sending, drains (at most 10 s: deliveries lag by seconds on a busy
    /// machine), books its counts, stops its apps and closes its glasses with 1000.
    private func leave(_ user: RampUser, stats: [NIOLoopBound<LoopStats>]) async throws {
        let driver = user.driver
        try await driver.eventLoop.submit { driver.value.pause() }.get()
        _ = try await self.poll(for: .seconds(10)) { try await driver.eventLoop.submit { driver.value.isDrained }.get() }
        try await driver.eventLoop.submit {
            driver.value.finish()
            driver.value.leave()
        }.get()
    }

    /// Sleeps until `deadline`, printing progress.
    private func hold(until deadline: ContinuousClock.Instant, label: String, stats: [NIOLoopBound<LoopStats>]) async throws {
        let left = ContinuousClock().now.duration(to: deadline)
        if left > .zero { try await self.hold(left, label: label, stats: stats) }
    }
}
