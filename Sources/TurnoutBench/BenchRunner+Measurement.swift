import Foundation
import Histogram
import NIOCore
import NIOPosix
import TurnoutTransport

/// The pieces the scenarios share: user ids and pinning, loop statistics, timed windows, results.
extension BenchRunner {
    var splitPercent: Int? {
        if case .split(let percent) = self.options.plan { return percent }
        return nil
    }

    /// Users per measurement (fanout: publishers).
    var userCount: Int { self.options.users }

    func makeStats() async throws -> [NIOLoopBound<LoopStats>] {
        var stats: [NIOLoopBound<LoopStats>] = []
        for loop in self.loops {
            stats.append(try await loop.submit { NIOLoopBound(LoopStats(), eventLoop: loop) }.get())
        }
        return stats
    }

    /// The user id of user `user` of measurement `measurement`, candidate `candidate` (more
    /// candidates are tried when the flags put one on the wrong stack).
    func userId(measurement: Int, stack: BenchStack?, user: Int, candidate: Int) -> String {
        "bench-\(self.runTag)-m\(measurement)-\(stack?.rawValue ?? "split")-u\(user)-k\(candidate)@bench.local"
    }

    /// Spawned servers pin the first candidate of every single-stack user to its stack, and in
    /// a split exactly ``StackPlan/splitNativeCount(users:nativePercent:)`` of the users to native
    /// and the rest to compat. The bench still learns each user's stack from `/admin/route`.
    func pinnedUsers() -> (native: [String], compat: [String]) {
        guard self.options.scenario.usesCore, self.options.ramp == nil else { return ([], []) }
        var pins: (native: [String], compat: [String]) = ([], [])
        for (measurement, stacks) in self.options.plan.measurements.enumerated() {
            if let percent = self.splitPercent {
                let ids = (0..<self.userCount).map { self.userId(measurement: measurement, stack: nil, user: $0, candidate: 0) }
                let split = StackPlan.splitPins(ids, nativePercent: percent)
                pins.native += split.native
                pins.compat += split.compat
                continue
            }
            for stack in stacks {
                let ids = (0..<self.userCount).map { self.userId(measurement: measurement, stack: stack, user: $0, candidate: 0) }
                if stack == .native { pins.native += ids } else { pins.compat += ids }
            }
        }
        return pins
    }

    /// Adds every loop's counters per stack; runs `body` on each loop first.
    func collect(_ stats: [NIOLoopBound<LoopStats>], _ body: @escaping @Sendable (LoopStats) -> Void = { _ in }) async throws -> [StackCounters] {
        var total = [StackCounters(), StackCounters()]
        for bound in stats {
            let counters = try await bound.eventLoop.submit {
                body(bound.value)
                return bound.value.counters
            }.get()
            total[0].add(counters[0])
            total[1].add(counters[1])
        }
        return total
    }

    /// Whether `check` holds on every loop.
    func everyLoop(_ stats: [NIOLoopBound<LoopStats>], _ check: @escaping @Sendable (LoopStats) -> Bool) async throws -> Bool {
        for bound in stats {
            let holds = try await bound.eventLoop.submit { check(bound.value) }.get()
            if !holds { return false }
        }
        return true
    }

    /// Sleeps through the measured window, printing progress once a second.
    func runFor(_ duration: Duration, label: String, stats: [NIOLoopBound<LoopStats>]) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + duration
        // Count from what was received before the window (setup round trips, probes).
        var previous = 0
        if self.options.progress {
            let counters = try await self.collect(stats)
            previous = counters[0].received + counters[1].received
        }
        while clock.now < end {
            try await Task.sleep(for: min(.seconds(1), end - clock.now))
            guard self.options.progress else { continue }
            let counters = try await self.collect(stats)
            let received = counters[0].received + counters[1].received
            let elapsed = clock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let total = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            let width = 20
            let filled = min(width, Int(Double(width) * seconds / max(total, 0.001)))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            FileHandle.standardError.write(
                Data("\r[\(bar)] \(label) \(Int(seconds))/\(Int(total)) s, \(received - previous) msgs in the last second   ".utf8)
            )
            previous = received
        }
        if self.options.progress { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// The samples around one measured window.
    struct MeasuredWindow {
        /// The server before and after (`nil` without a pid).
        var server: (before: ProcessSample?, after: ProcessSample?)
        /// The bench itself before and after.
        var client: (before: ProcessSample, after: ProcessSample)
        /// Seconds from the start of the window to its deadline: the rates' denominator.
        var seconds: Double
    }

    /// Runs one measured window: samples the server and the bench, calls `start` with the
    /// deadline (monotonic nanoseconds) to set the load going, sleeps through
    /// ``BenchOptions/durationPerMeasurement`` printing progress, and samples again.
    func measuredWindow(
        server: ServerUnderTest,
        stats: [NIOLoopBound<LoopStats>],
        label: String,
        start: (_ deadline: UInt64) async throws -> Void
    ) async throws -> MeasuredWindow {
        let duration = self.options.durationPerMeasurement
        let serverBefore = server.sample()
        let clientBefore = ProcessSample.ownProcess()
        let deadline = MonotonicClock.deadline(after: duration)
        try await start(deadline)
        try await self.runFor(duration, label: label, stats: stats)
        return MeasuredWindow(
            server: (serverBefore, server.sample()),
            client: (clientBefore, ProcessSample.ownProcess()),
            seconds: Double(deadline &- clientBefore.at) / 1e9
        )
    }

    /// Whether `check` came to hold, asking every 50 ms for at most `timeout`.
    func poll(for timeout: Duration, _ check: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + timeout
        while true {
            if try await check() { return true }
            if clock.now >= end { return false }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Closes a measurement's channels (waiting for each) and resets every loop's handlers and
    /// counters for the next measurement.
    func tearDown(_ channels: [any Channel], stats: [NIOLoopBound<LoopStats>]) async throws {
        for channel in channels { try? await channel.close() }
        for bound in stats { try await bound.eventLoop.submit { bound.value.reset() }.get() }
    }

    /// Each loaded stack's result from the counters (indexed by ``BenchStack/index``) and the
    /// samples around the measured window.
    ///
    /// RSS per connection is the server's growth over every connection of the measurement, so
    /// in a split both stacks show the whole process's figure.
    func results(
        stacks: [BenchStack],
        counters: [StackCounters],
        window: MeasuredWindow,
        rss: (idle: ProcessSample?, loaded: ProcessSample?),
        mismatches: [[String]] = [[], []],
        metricsDeliveries: [Int]? = nil
    ) -> [StackResult] {
        let server = window.server
        let client = window.client
        let seconds = window.seconds
        var serverCPU: Double?
        if let before = server.before, let after = server.after { serverCPU = after.cpuPercent(since: before) }
        let connections = counters.reduce(0) { $0 + $1.connections }
        var rssPerConnection: Double?
        if let idle = rss.idle?.rssKiB, let loaded = rss.loaded?.rssKiB, connections > 0 {
            rssPerConnection = (loaded - idle) / Double(connections)
        }
        return stacks.map { stack in
            let counters = counters[stack.index]
            let micros = { (percentile: Double) in Double(counters.latency.valueAtPercentile(percentile)) / 1000 }
            return StackResult(
                stack: stack,
                messagesPerSecond: Double(counters.received) / seconds,
                p50Micros: micros(50),
                p99Micros: micros(99),
                p999Micros: micros(99.9),
                latencyCDF: counters.latency.totalCount == 0
                    ? [] : LatencyPoint.percentiles.map { LatencyPoint(percentile: $0, micros: micros($0)) },
                audioBytesPerSecond: Double(counters.audioBytesReceived) / seconds,
                serverCPUPercent: serverCPU,
                clientCPUPercent: client.after.cpuPercent(since: client.before),
                rssPerConnectionKiB: rssPerConnection,
                connections: counters.connections,
                sent: counters.sent,
                received: counters.received,
                errors: counters.errors,
                drops: counters.lost,
                reordered: counters.reordered,
                metricsMismatches: mismatches[stack.index],
                metricsDeliveries: metricsDeliveries?[stack.index]
            )
        }
    }
}
