import Foundation
import Logging
import ServiceLifecycle
import Testing
import TurnoutTestSupport

@testable import TurnoutServer

@Suite("/admin/compare's sampler: a service on an injected scheduler", .timeLimit(.minutes(1)))
struct CompareSamplerTests {
    @Test("it samples at once, then every 2 s of the scheduler's time, and leaves no timer behind")
    func samplesOnTheScheduler() async throws {
        let scheduler = ManualScheduler()
        let history = CompareHistory()
        let sampled = EventQueue<Duration>()
        let readings = LockedBox(0.0)
        let sampler = CompareSampler(
            history: history,
            scheduler: scheduler,
            now: { scheduler.now },
            read: {
                var reading = CompareReading()
                reading[stack: 1, offset: CompareLayout.messagesIn] = readings.withLockedValue { count in
                    count += 10
                    return count
                }
                return reading
            },
            onSample: { sampled.yield(scheduler.now) }
        )
        var logger = Logger(label: #function)
        logger.logLevel = .critical
        let group = ServiceGroup(configuration: .init(services: [.init(service: sampler)], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(await sampled.next() == .zero)
            for step in 1...3 {
                scheduler.advance(by: .seconds(2))
                #expect(await sampled.next() == .seconds(2 * step))
            }
            #expect(history.count == 4)
            let window = history.window(seconds: 60)
            #expect(window.seconds == 6)
            #expect(window.end[stack: 1, offset: CompareLayout.messagesIn] - window.start[stack: 1, offset: CompareLayout.messagesIn] == 30)
            #expect(CompareReport.json(window).text.contains(#""messagesInPerSecond":5"#))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(scheduler.pendingCount == 0)
    }
}
