import Benchmark
import Foundation
import Logging
import TurnoutConfigFile
import TurnoutFlags

#if canImport(Glibc)
import Glibc
#endif

/// Run with `swift package benchmark --target FlagStoreBenchmarks`; figures go to docs/benchmarks.md.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .instructions],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 1_000
    )

    let store = DecideFixture.store

    Benchmark("decide: rollout, ASCII user") { benchmark in
        for index in benchmark.scaledIterations {
            blackHole(store.decide(userId: DecideFixture.users[index & 1023], endpoint: .glasses))
        }
    }

    Benchmark("decide: rollout, snapshot already loaded") { benchmark in
        let snapshot = store.snapshot
        for index in benchmark.scaledIterations {
            blackHole(snapshot.decide(userId: DecideFixture.users[index & 1023], endpoint: .glasses))
        }
    }

    Benchmark("decide: pinned user") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(store.decide(userId: "qa@example.com", endpoint: .glasses))
        }
    }

    Benchmark("decide: non-ASCII user (NFC slow path)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(store.decide(userId: "e\u{301}clair@example.fr", endpoint: .glasses))
        }
    }

    Benchmark(
        "reload: rename(2) to first decision on the new snapshot",
        configuration: .init(metrics: [.wallClock], warmupIterations: 2, scalingFactor: .one, maxDuration: .seconds(20), maxIterations: 100)
    ) { benchmark in
        let fixture = ReloadFixture.shared
        let before = fixture.store.snapshot.generation
        let temporary = fixture.directory + "/.flags.yaml.tmp"
        fixture.counter += 1
        let text = "version: 1\nflags:\n  native-transport:\n    percentage: \(fixture.counter % 100)\n"
        _ = FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8))
        benchmark.startMeasurement()
        rename(temporary, fixture.path)
        while fixture.store.snapshot.generation == before {
            sched_yield()
        }
        blackHole(fixture.store.decide(userId: "alice@example.com", endpoint: .glasses))
        benchmark.stopMeasurement()
    }
}

private enum DecideFixture {
    static let users = (0..<1024).map { "user\($0)@example.com" }
    static let store: FlagStore = {
        let directory = NSTemporaryDirectory() + "turnout-bench-decide-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/flags.yaml"
        let text = "version: 1\nflags:\n  native-transport:\n    percentage: 12.34\n    users:\n      native: [qa@example.com]\n"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return try! FlagStore.load(path: path, logger: Logger(label: "bench"))
    }()
}

/// A store with its watcher running for the whole benchmark process, with production defaults.
private final class ReloadFixture: @unchecked Sendable {
    // @unchecked: `counter` is touched only by the benchmark's own iterations, which run one at a time.
    static let shared = ReloadFixture()

    let directory: String
    let path: String
    let store: FlagStore
    var counter = 0

    private init() {
        directory = NSTemporaryDirectory() + "turnout-bench-reload-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/flags.yaml"
        _ = FileManager.default.createFile(atPath: path, contents: Data("version: 1\nflags: {}\n".utf8))
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        store = try! FlagStore.load(path: path, logger: logger)
        let ready = DispatchSemaphore(value: 0)
        Task.detached { [store] in
            await store.watch { ready.signal() }
        }
        ready.wait()
    }
}
