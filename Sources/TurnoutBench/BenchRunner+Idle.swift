import NIOCore

extension BenchRunner {
    /// One idle measurement: sample the server's RSS with no connection, open every connection
    /// (64 handshakes at a time) and check each with one round trip, let the server settle for
    /// a second and sample its RSS again, then hold every connection open with no traffic for
    /// the measured time. A connection that closes meanwhile is an error; a round trip never
    /// answered is a drop. The figure is RSS growth per connection.
    func measureIdle(stacks: [BenchStack], server: ServerUnderTest, stats: [NIOLoopBound<LoopStats>], label: String) async throws -> [StackResult] {
        let empty = server.sample()
        var channels = try await self.connectEcho(stacks: stacks, server: server, stats: stats, hold: true)
        defer {
            for channel in channels { channel.close(promise: nil) }
        }
        // One round trip each (a deadline already past), then the handlers hold; at most 30 s.
        for channel in channels {
            channel.pipeline.fireUserInboundEventTriggered(EchoClientHandler.Start(deadline: 0))
        }
        _ = try await self.poll(for: .seconds(30)) { try await self.everyEchoFinished(stats) }
        try await Task.sleep(for: .seconds(1))
        let loaded = server.sample()

        let window = try await self.measuredWindow(server: server, stats: stats, label: "\(label) idle") { _ in }
        // Closes from here on are the bench's own.
        let counters = try await self.collectEcho(stats) { loop in
            for handler in loop.echoHandlers { handler.release() }
        }
        try await self.tearDown(channels, stats: stats)
        channels = []
        return self.results(stacks: stacks, counters: counters, window: window, rss: (empty, loaded)).map { result in
            // No traffic: the round trips only proved each connection alive.
            var result = result
            result.messagesPerSecond = 0
            result.p50Micros = 0
            result.p99Micros = 0
            result.p999Micros = 0
            result.latencyCDF = []
            return result
        }
    }
}
