import Foundation
import Testing

/// The routing benchmark body, run briefly as a test so it cannot rot.
///
/// Set `TURNOUT_ROUTING_BENCH_ITERATIONS` (for example 200000, with `-c release`) to measure;
/// the figures are printed. The ordo-one/benchmark version is Benchmarks/CoreRoutingBenchmarks.
@Suite("Routing benchmark body")
struct RoutingBenchmarkTests {
    @Test("one glasses JSON event and one 640-byte audio frame fan out to 3 apps")
    func routing() {
        let iterations = ProcessInfo.processInfo.environment["TURNOUT_ROUTING_BENCH_ITERATIONS"].flatMap(Int.init) ?? 1000
        let fixture = RoutingFixture()
        let json = fixture.measureJSON(iterations: iterations)
        let audio = fixture.measureAudio(iterations: iterations)
        for app in fixture.apps {
            #expect(app.texts == iterations + 1)  // + tpa_connection_ack
            #expect(app.binaries == iterations)
        }
        if ProcessInfo.processInfo.environment["TURNOUT_ROUTING_BENCH_ITERATIONS"] != nil {
            print("routing benchmark: JSON event to 3 apps \(json) per event; audio frame to 3 apps \(audio) per frame (\(audio / 3) per app)")
        }
    }
}
