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

        var snapshot = try flags.snapshot()
        var users: [RampUser] = []
        for slot in 0..<self.options.users {
            users.append(
                try await self.connectRampUser(slot: slot, snapshot: snapshot, stats: stats, server: server, authority: authority, pacing: pacing)
            )
        }
        try await self.waitUntilReady(stats)
        try await Task.sleep(for: .milliseconds(200))
        let before = try await server.metrics()
        let appFramesBefore = try await self.collect(stats).reduce(0) { $0 + $1.appFrames }
        let writtenBefore = try await self.collectUsers(stats) { $0.written }.reduce(0, +)
        let clientBefore = ProcessSample.ownProcess()
        let idle = server.sample()
        try await self.startTicking(stats, pacing: pacing)

        let clock = ContinuousClock()
        let start = clock.now
        let expectedConnections = self.options.users * (1 + self.options.apps)
        let leaversPerStep = max(1, self.options.users / 10)
        var steps: [RampStepResult] = []
        var samples: [SoakSample] = []
        var allMoves: [UInt64] = []
        var step = 0
        while clock.now - start < soak.duration {
            step += 1
            let stepStart = clock.now
            let percent = plan.steps[step % plan.steps.count]
            let label = "soak step \(step): \(percent) %"

            // 1. Users leave and others join in their slots.
            for offset in 0..<leaversPerStep {
                let position = ((step - 1) * leaversPerStep + offset) % users.count
                try await self.leave(users[position], stats: stats)
                users[position] = try await self.connectRampUser(
                    slot: users[position].slot,
                    generation: step,
                    snapshot: snapshot,
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
            snapshot = edit.snapshot
            let moved = try await self.edit(edit, flags: flags, users: &users)

            // 3. Half-way: an app restarted from the glasses, and a slow consumer.
            try await self.hold(until: stepStart + plan.every / 2, label: label, stats: stats)
            let restarted = users[(step * 7 + 3) % users.count].driver
            let slow = users[(step * 7 + 5) % users.count].driver
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
            let moves = try await self.takeMoves(users)
            allMoves += moves.times
            let share = try await server.connectionShare()
            let result = RampStepResult(
                step: step,
                percent: percent,
                movedConnections: moved,
                unmovedConnections: moves.pending,
                moveMaxMs: moves.times.max().map { Double($0) / 1e6 },
                moveP50Ms: moves.times.isEmpty ? nil : Median.of(moves.times.map { Double($0) / 1e6 }),
                connections: share.total,
                nativeSharePercent: share.nativePercent
            )
            steps.append(result)
            guard let resources = SoakSample.resources(of: pid) else { throw BenchError.setup("the server (pid \(pid)) is gone") }
            let elapsed = clock.now - start
            let sample = SoakSample(
                elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18,
                step: step,
                percent: percent,
                connections: share.total,
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

        let counters = try await self.stopAndDrain(stats)
        let after = try await server.metrics()
        let end = MeasuredWindow(
            server: (idle, server.sample()),
            client: (clientBefore, ProcessSample.ownProcess()),
            seconds: Double(MonotonicClock.nanoseconds &- clientBefore.at) / 1e9
        )
        var ramp = try await self.rampResult(
            plan,
            steps: steps,
            moves: allMoves,
            stats: stats,
            counters: counters,
            metrics: (before, after),
            before: (appFrames: appFramesBefore, written: writtenBefore)
        )
        ramp.failures += self.registry.failureMessages
        let verdict = SoakVerdict(samples: samples, warmupSeconds: SoakVerdict.warmup(of: soak.duration))
        try await self.stopAppsAndTearDown(stats)
        let stacks: [BenchStack] = [.compat, .native].filter { counters[$0.index].connections > 0 }
        return (self.results(stacks: stacks, counters: counters, window: end, rss: (nil, nil)), ramp, verdict)
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
