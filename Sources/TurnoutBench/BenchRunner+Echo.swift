import NIOCore

extension BenchRunner {
    /// One echo measurement: connect, run closed loops until the deadline, drain, count.
    func measureEcho(stacks: [BenchStack], server: ServerUnderTest, stats: [NIOLoopBound<LoopStats>], label: String) async throws -> [StackResult] {
        let idle = server.sample()
        var channels = try await self.connectEcho(stacks: stacks, server: server, stats: stats, hold: false)
        defer {
            for channel in channels { channel.close(promise: nil) }
        }
        try await Task.sleep(for: .milliseconds(200))
        let loaded = server.sample()

        let window = try await self.measuredWindow(server: server, stats: stats, label: label) { deadline in
            for channel in channels {
                channel.pipeline.fireUserInboundEventTriggered(EchoClientHandler.Start(deadline: deadline))
            }
        }

        // Drain: every connection's last round trip, at most 5 s.
        _ = try await self.poll(for: .seconds(5)) { try await self.everyEchoFinished(stats) }
        let counters = try await self.collectEcho(stats)
        try await self.tearDown(channels, stats: stats)
        channels = []
        return self.results(stacks: stacks, counters: counters, window: window, rss: (idle, loaded))
    }

    /// Opens ``BenchOptions/connections`` `/echo-ws` connections, 64 at a time, spread over the
    /// client loops and (in a split) over the stacks, each with an ``EchoClientHandler`` sending
    /// ``BenchOptions/size`` bytes.
    ///
    /// - Parameter hold: Whether the handlers hold their connection open after the deadline.
    func connectEcho(stacks: [BenchStack], server: ServerUnderTest, stats: [NIOLoopBound<LoopStats>], hold: Bool) async throws -> [any Channel] {
        let count = self.options.connections
        let nativePercent = self.splitPercent ?? 50
        let payload = ByteBuffer(repeating: UInt8(ascii: "x"), count: self.options.size)
        return try await WebSocketConnector.connectAll(count: count) { index in
            let stack = stacks.count == 1 ? stacks[0] : StackPlan.splitStack(index: index, count: count, nativePercent: nativePercent)
            let bound = stats[index % stats.count]
            return try await WebSocketConnector.connect(
                on: bound.eventLoop,
                host: server.host,
                port: server.port,
                uri: "/echo-ws?stack=\(stack.rawValue)"
            ) { channel in
                try channel.pipeline.syncOperations.addHandler(EchoClientHandler(stats: bound.value, stack: stack, payload: payload, hold: hold))
            }
        }
    }

    /// Whether every echo connection has finished its round trips (or failed).
    func everyEchoFinished(_ stats: [NIOLoopBound<LoopStats>]) async throws -> Bool {
        try await self.everyLoop(stats) { $0.finishedEcho == $0.echoHandlers.count }
    }

    /// Every loop's counters, with the round trips still in flight booked as lost; runs `body`
    /// on each loop first.
    func collectEcho(_ stats: [NIOLoopBound<LoopStats>], _ body: @escaping @Sendable (LoopStats) -> Void = { _ in }) async throws -> [StackCounters] {
        try await self.collect(stats) { loop in
            body(loop)
            for handler in loop.echoHandlers { loop.counters[handler.stackIndex].lost += handler.outstanding }
        }
    }
}
