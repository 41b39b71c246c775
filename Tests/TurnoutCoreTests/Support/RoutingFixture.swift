import Logging
import NIOConcurrencyHelpers
import NIOCore
import TurnoutCore
import TurnoutTestSupport

/// One user with glasses and three running apps on discarding connections: the routing benchmark's fixture.
///
/// The same fixture lives in Benchmarks/CoreRoutingBenchmarks for ordo-one/benchmark.
struct RoutingFixture {
    /// A connection that accepts and discards every frame, counting them.
    final class NullConnection: Connection {
        let identity: ConnectionIdentity
        private let counts = NIOLockedValueBox((texts: 0, binaries: 0))

        init(_ identity: ConnectionIdentity) {
            self.identity = identity
        }

        func sendText(_ text: ByteBuffer) -> SendResult {
            self.counts.withLockedValue { $0.texts += 1 }
            return .accepted
        }

        func sendBinary(_ data: ByteBuffer) -> SendResult {
            self.counts.withLockedValue { $0.binaries += 1 }
            return .accepted
        }

        func close(code: UInt16, reason: String) {}
        func close(code: UInt16, reason: String, whenWritten written: @escaping @Sendable () -> Void) { written() }
        func ping() {}

        var texts: Int { self.counts.withLockedValue { $0.texts } }
        var binaries: Int { self.counts.withLockedValue { $0.binaries } }
    }

    /// Accepts every webhook at once.
    struct AcceptingWebhooks: WebhookSender {
        func send(_ request: WebhookRequest, timeout: Duration, completion: @escaping @Sendable (Result<Void, WebhookError>) -> Void) {
            completion(.success(()))
        }
    }

    static let packages = ["com.example.notes", "com.example.translate", "com.example.maps"]

    let core: SessionRegistry
    let glasses: ConnectionHandle
    let apps: [NullConnection]
    /// A typical glasses event every app subscribes to.
    let event = ByteBuffer(string: #"{"type":"head_position","position":"up","timestamp":"2026-11-28T06:00:00.000Z"}"#)
    /// 20 ms of 16 kHz mono PCM: 640 bytes.
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
        var connections: [NullConnection] = []
        for package in Self.packages {
            self.glasses.textReceived(#"{"type":"start_app","packageName":"\#(package)"}"#)
            let connection = NullConnection(.legacyApp(stack: .native, remoteAddress: "bench"))
            let handle = self.core.connectionOpened(connection)
            handle.textReceived(
                #"{"type":"tpa_connection_init","sessionId":"\#(user)-\#(package)","packageName":"\#(package)","apiKey":"\#(package)"}"#
            )
            handle.textReceived(#"{"type":"subscription_update","packageName":"\#(package)","subscriptions":["head_position","audio_chunk"]}"#)
            connections.append(connection)
        }
        self.apps = connections
    }

    /// Routes `iterations` JSON events and returns the time per event (each goes to 3 apps).
    func measureJSON(iterations: Int) -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { self.glasses.textReceived(self.event) }
        return (clock.now - start) / iterations
    }

    /// Routes `iterations` audio frames and returns the time per frame (each goes to 3 apps).
    func measureAudio(iterations: Int) -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<iterations { self.glasses.binaryReceived(self.audioFrame) }
        return (clock.now - start) / iterations
    }
}
