// The core's per-message routing cost, without sockets (issue 3, "Performance").
//
// Run: swift package --disable-sandbox benchmark --target CoreRoutingBenchmarks
// Goals: under 2 µs per routed JSON event (3 apps), under 0.5 µs per audio frame per app.
//
// Each sample routes 1,000 messages (`scalingFactor: .kilo`), so the per-sample cost of the
// harness itself (its clock reads and malloc counters) is spread thin; the table shows the scaled
// figures (marked `*`), which are per routed message: ns per event and mallocs per event. The audio
// figure is for one frame to all 3 apps; divide by 3 for the per-app goal.

import Benchmark
import Logging
import NIOCore
import Synchronization
import TurnoutCore
import TurnoutTestSupport

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput],
        timeUnits: .nanoseconds,
        scalingFactor: .kilo,
        maxDuration: .seconds(5),
        maxIterations: 10_000
    )

    Benchmark("glasses JSON event to 3 subscribed apps") { benchmark in
        let fixture = RoutingFixture()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            fixture.glasses.textReceived(fixture.event)
        }
    }

    Benchmark("640-byte audio frame to 3 apps (per frame; /3 per app)") { benchmark in
        let fixture = RoutingFixture()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            fixture.glasses.binaryReceived(fixture.audioFrame)
        }
    }
}

/// One user with glasses and three running apps on discarding connections.
struct RoutingFixture {
    final class NullConnection: Connection {
        let identity: ConnectionIdentity
        init(_ identity: ConnectionIdentity) { self.identity = identity }
        func sendText(_ text: ByteBuffer) -> SendResult { .accepted }
        func sendBinary(_ data: ByteBuffer) -> SendResult { .accepted }
        func close(code: UInt16, reason: String) {}
        func close(code: UInt16, reason: String, whenWritten written: @escaping @Sendable () -> Void) { written() }
        func ping() {}
    }

    struct AcceptingWebhooks: WebhookSender {
        func send(_ request: WebhookRequest, timeout: Duration, completion: @escaping @Sendable (Result<Void, WebhookError>) -> Void) {
            completion(.success(()))
        }
    }

    static let packages = ["com.example.notes", "com.example.translate", "com.example.maps"]

    let core: SessionRegistry
    let glasses: ConnectionHandle
    let event = ByteBuffer(string: #"{"type":"head_position","position":"up","timestamp":"2026-11-28T06:00:00.000Z"}"#)
    let audioFrame = ByteBuffer(bytes: [UInt8](repeating: 0x2A, count: 640))

    init() {
        var logger = Logger(label: "routing-benchmark")
        logger.logLevel = .critical
        let apps = Self.packages.map {
            AppRegistry.App(packageName: $0, name: $0, publicUrl: "http://127.0.0.1:1", apiKeySha256: APIKeyDigest(hashing: $0))
        }
        self.core = SessionRegistry(
            configuration: CoreConfiguration(heartbeat: .disabled),
            apps: AppRegistryStore(AppRegistry(apps)),
            webhookSender: AcceptingWebhooks(),
            scheduler: ManualScheduler(),
            clock: .fixed(Timestamp(year: 2026, month: 11, day: 28, hour: 6)),
            logger: logger
        )
        let user = "bench@example.com"
        self.glasses = self.core.connectionOpened(NullConnection(.glasses(userId: user, stack: .native, remoteAddress: "bench")))
        for package in Self.packages {
            self.glasses.textReceived(#"{"type":"start_app","packageName":"\#(package)"}"#)
            let handle = self.core.connectionOpened(NullConnection(.legacyApp(stack: .native, remoteAddress: "bench")))
            handle.textReceived(
                #"{"type":"tpa_connection_init","sessionId":"\#(user)-\#(package)","packageName":"\#(package)","apiKey":"\#(package)"}"#
            )
            handle.textReceived(#"{"type":"subscription_update","packageName":"\#(package)","subscriptions":["head_position","audio_chunk"]}"#)
        }
    }
}
