import Testing
import TurnoutBench

@Suite("Option parsing: stacks, durations, URLs, /proc")
struct OptionParsingTests {
    @Test("stack plans")
    func plans() throws {
        #expect(try StackPlan(parsing: "native", rounds: 3) == .single(.native))
        #expect(try StackPlan(parsing: "split:25", rounds: 3) == .split(nativePercent: 25))
        #expect(try StackPlan(parsing: "both", rounds: 3).measurements == [[.compat], [.native], [.native], [.compat], [.compat], [.native]])
        #expect(throws: BenchError.invalidOption("")) { try StackPlan(parsing: "both", rounds: 2) }
        #expect(throws: BenchError.invalidOption("")) { try StackPlan(parsing: "split:101", rounds: 3) }
        #expect(throws: BenchError.invalidOption("")) { try StackPlan(parsing: "fast", rounds: 3) }
    }

    @Test("split assigns the first P % to native")
    func split() {
        let stacks = (0..<10).map { StackPlan.splitStack(index: $0, count: 10, nativePercent: 30) }
        #expect(stacks.filter { $0 == .native }.count == 3)
        #expect((0..<7).map { StackPlan.splitStack(index: $0, count: 7, nativePercent: 0) }.allSatisfy { $0 == .compat })
    }

    @Test(
        "a spawned split pins exactly round(U × P / 100) users to native",
        arguments: [(2, 50, 1), (1, 50, 1), (1, 49, 0), (3, 50, 2), (10, 25, 3), (10, 0, 0), (10, 100, 10), (7, 30, 2), (0, 50, 0)]
    )
    func splitPins(users: Int, percent: Int, native: Int) {
        #expect(StackPlan.splitNativeCount(users: users, nativePercent: percent) == native)
        let ids = (0..<users).map { "u\($0)" }
        let pins = StackPlan.splitPins(ids, nativePercent: percent)
        #expect(pins.native == Array(ids.prefix(native)))
        #expect(pins.compat == Array(ids.dropFirst(native)))
    }

    @Test("broadcast messages must hold their sequence number and send time")
    func broadcastSize() throws {
        #expect(throws: BenchError.invalidOption("")) { try BenchOptions(scenario: .broadcast, size: 42).validate() }
        try BenchOptions(scenario: .broadcast, size: 43).validate()
        try BenchOptions(scenario: .echo, size: 1).validate()
    }

    @Test("only fanout and glasses go through the core")
    func scenarios() {
        #expect(BenchScenario.allCases.filter(\.usesCore) == [.fanout, .glasses])
        #expect(BenchScenario(rawValue: "broadcast") == .broadcast)
        #expect(BenchScenario(rawValue: "idle") == .idle)
    }

    @Test(
        "durations",
        arguments: [("10s", Duration.seconds(10)), ("500ms", .milliseconds(500)), ("2m", .seconds(120)), ("1.5", .milliseconds(1500))]
    )
    func durations(text: String, expected: Duration) throws {
        #expect(try DurationParser.parse(text) == expected)
    }

    @Test("bad durations are refused")
    func badDurations() {
        for text in ["", "s", "-1s", "ten"] {
            #expect(throws: BenchError.invalidOption("")) { try DurationParser.parse(text) }
        }
    }

    @Test("URLs")
    func urls() throws {
        let app = try HostPort(url: "ws://127.0.0.1:8002/app-ws?userId=a%40b")
        #expect(app == HostPort(host: "127.0.0.1", port: 8002, path: "/app-ws?userId=a%40b"))
        #expect(try HostPort(url: "http://localhost:9090").path == "/")
        #expect(throws: BenchError.invalidOption("")) { try HostPort(url: "127.0.0.1:8002") }
        #expect(throws: BenchError.invalidOption("")) { try HostPort(url: "ws://127.0.0.1/") }
    }

    @Test("/proc/PID/stat and status")
    func proc() throws {
        let stat = "1234 (turnout (x)) S 1 1234 1234 0 -1 4194560 500 0 0 0 250 50 0 0 20 0 4 0 100 1000000 2000"
        let status = "Name:\tturnout\nVmRSS:\t   20480 kB\nThreads:\t4\n"
        let sample = try #require(ProcessSample.parse(stat: stat, status: status, ticksPerSecond: 100))
        #expect(sample.cpuSeconds == 3)
        #expect(sample.rssKiB == 20480)
    }
}
