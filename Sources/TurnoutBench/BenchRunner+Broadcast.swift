import NIOCore

extension BenchRunner {
    /// One broadcast measurement: K subscribers and one publisher on `/fanout-ws`, all on one
    /// client loop; a probe from the publisher until every socket has heard it (all are in the
    /// room); the closed-loop window until the deadline; a drain; the counts.
    func measureBroadcast(
        stacks: [BenchStack],
        server: ServerUnderTest,
        stats: [NIOLoopBound<LoopStats>],
        label: String
    ) async throws -> [StackResult] {
        let count = self.options.apps
        let percent = self.splitPercent ?? 50
        let subscriberStacks = (0..<count).map {
            stacks.count == 1 ? stacks[0] : StackPlan.splitStack(index: $0, count: count, nativePercent: percent)
        }
        let publisherStack = stacks.count == 1 ? stacks[0] : StackPlan.splitStack(index: 0, count: 1, nativePercent: percent)
        let sockets = subscriberStacks + [publisherStack]
        let bound = stats[0]
        let loop = bound.eventLoop
        let window = self.options.window
        let size = self.options.size
        let driver = try await loop.submit {
            let driver = BroadcastDriver(
                subscriberStacks: subscriberStacks,
                publisherStack: publisherStack,
                stats: bound.value,
                window: window,
                size: size
            )
            bound.value.broadcasts.append(driver)
            return NIOLoopBound(driver, eventLoop: loop)
        }.get()
        let idle = server.sample()
        var channels = try await WebSocketConnector.connectAll(count: sockets.count) { index in
            try await WebSocketConnector.connect(on: loop, host: server.host, port: server.port, uri: "/fanout-ws?stack=\(sockets[index].rawValue)") {
                channel in
                try channel.pipeline.syncOperations.addHandler(BroadcastClientHandler(driver: driver.value, index: index))
            }
        }
        defer {
            for channel in channels { channel.close(promise: nil) }
        }

        // Setup: every socket has heard the publisher's probe, so all are in the room; at most 10 s.
        let ready = try await self.poll(for: .seconds(10)) {
            try await loop.submit {
                if driver.value.isReady { return true }
                driver.value.sendProbe()
                return false
            }.get()
        }
        guard ready else {
            throw BenchError.setup(
                "not every /fanout-ws socket heard the publisher's probe within 10 s; the server must relay every message to every member, the sender included"
            )
        }
        try await Task.sleep(for: .milliseconds(200))
        let loaded = server.sample()

        let measured = try await self.measuredWindow(server: server, stats: stats, label: label) { deadline in
            try await loop.submit { driver.value.begin(deadline: deadline) }.get()
        }
        // Drain: everything sent reaches every socket, at most 5 s.
        _ = try await self.poll(for: .seconds(5)) { try await loop.submit { driver.value.isDrained }.get() }
        let counters = try await self.collect(stats) { loop in
            for broadcast in loop.broadcasts { broadcast.finish() }
        }
        try await self.tearDown(channels, stats: stats)
        channels = []
        return self.results(stacks: stacks, counters: counters, window: measured, rss: (idle, loaded))
    }
}
