import NIOCore

extension BenchRunner {
    /// One echo measurement: connect, run closed loops until the deadline, drain, count.
    func measureEcho(stacks: [BenchStack], server: ServerUnderTest, stats: [NIOLoopBound<LoopStats>], label: String) async throws -> [StackResult] {
        let count = self.options.connections
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: self.options.size)
        let idle = server.sample()
        var channels: [any Channel] = []
        defer {
            for channel in channels { channel.close(promise: nil) }
        }
        for index in 0..<count {
            let stack = stacks.count == 1 ? stacks[0] : StackPlan.splitStack(index: index, count: count, nativePercent: self.splitPercent ?? 50)
            let bound = stats[index % stats.count]
            channels.append(
                try await WebSocketConnector.connect(on: bound.eventLoop, host: server.host, port: server.port, uri: "/echo-ws?stack=\(stack.rawValue)") { channel in
                    try channel.pipeline.syncOperations.addHandler(EchoClientHandler(stats: bound.value, stack: stack, payload: payload))
                }
            )
        }
        try await Task.sleep(for: .milliseconds(200))
        let loaded = server.sample()

        let duration = self.options.durationPerMeasurement
        let serverBefore = server.sample()
        let clientBefore = ProcessSample.ownProcess()
        let deadline = MonotonicClock.nanoseconds + UInt64(duration.components.seconds) * 1_000_000_000
            + UInt64(duration.components.attoseconds / 1_000_000_000)
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(EchoClientHandler.Start(deadline: deadline))
        }
        try await self.runFor(duration, label: label, stats: stats)
        let serverAfter = server.sample()
        let clientAfter = ProcessSample.ownProcess()

        // Drain: every connection's last round trip, at most 5 s.
        for _ in 0..<100 {
            if try await self.everyLoop(stats, { $0.finishedEcho == $0.echoHandlers.count }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        var counters = try await self.collect(stats)
        let lost = try await self.outstandingEcho(stats)
        counters[0].lost += lost[0]
        counters[1].lost += lost[1]
        for channel in channels { try? await channel.close() }
        channels = []
        for bound in stats { try await bound.eventLoop.submit { bound.value.reset() }.get() }

        let seconds = Double(deadline &- clientBefore.at) / 1e9
        return stacks.map { stack in
            self.result(
                stack: stack,
                counters: counters[stack.index],
                seconds: seconds,
                server: (serverBefore, serverAfter),
                client: (clientBefore, clientAfter),
                rss: (idle, loaded),
                mismatches: []
            )
        }
    }

    /// Round trips still in flight per stack, after the drain.
    private func outstandingEcho(_ stats: [NIOLoopBound<LoopStats>]) async throws -> [Int] {
        var lost = [0, 0]
        for bound in stats {
            let perLoop = try await bound.eventLoop.submit {
                var lost = [0, 0]
                for handler in bound.value.echoHandlers { lost[handler.stackIndex] += handler.outstanding }
                return lost
            }.get()
            lost[0] += perLoop[0]
            lost[1] += perLoop[1]
        }
        return lost
    }
}
