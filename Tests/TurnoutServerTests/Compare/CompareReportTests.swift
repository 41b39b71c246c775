import Foundation
import Testing
import TurnoutCore

@testable import TurnoutServer

@Suite("/admin/compare: windows, figures and ratios from the sample history")
struct CompareReportTests {
    /// A reading built field by field: `(stack, offset) = value`.
    static func reading(_ fields: [(stack: Int, offset: Int, value: Double)], refusals: [String: Double] = [:]) -> CompareReading {
        var reading = CompareReading()
        for field in fields {
            reading[stack: field.stack, offset: field.offset] = field.value
        }
        for (reason, count) in refusals {
            reading.values[CompareLayout.refusals + CompareLayout.refusalReasons.firstIndex(of: reason)!] = count
        }
        return reading
    }

    /// Cumulative bucket fields of one stack: `counts[i]` messages at or under bound `i`, through `+Inf`.
    static func buckets(_ stack: Int, _ counts: [Int: Double]) -> [(stack: Int, offset: Int, value: Double)] {
        var running = 0.0
        return CompareLayout.bucketBounds.indices.map { index in
            running = max(running, counts[index] ?? running)
            return (stack, CompareLayout.buckets + index, running)
        }
    }

    static let compat = 0
    static let native = 1
    static let glasses = CompareLayout.endpoints.firstIndex(of: "glasses")!
    static let app = CompareLayout.endpoints.firstIndex(of: "app")!

    /// Three samples 2 s apart: connections open; traffic; then one clean close on compat, one
    /// abnormal close (no close frame) on native, backpressure on native, two refused upgrades.
    static func drivenHistory() -> CompareHistory {
        let history = CompareHistory()
        history.append(CompareReading(), at: .seconds(100))
        let open: [(stack: Int, offset: Int, value: Double)] = [
            (compat, CompareLayout.open + glasses, 2), (compat, CompareLayout.opened + glasses, 2),
            (native, CompareLayout.open + glasses, 1), (native, CompareLayout.opened + glasses, 1),
            (native, CompareLayout.open + app, 1), (native, CompareLayout.opened + app, 1),
        ]
        let traffic: [(stack: Int, offset: Int, value: Double)] = [
            (compat, CompareLayout.messagesIn, 10), (compat, CompareLayout.messagesOut, 20),
            (compat, CompareLayout.bytesIn, 1000), (compat, CompareLayout.bytesOut, 4000),
            (native, CompareLayout.messagesIn, 20), (native, CompareLayout.messagesOut, 40),
            (native, CompareLayout.bytesIn, 2000), (native, CompareLayout.bytesOut, 8000),
        ]
        // compat: 10 messages in (25, 50] µs; native: 10 there and 10 in (50, 100] µs.
        let handling = buckets(compat, [3: 10]) + buckets(native, [3: 10, 4: 20])
        history.append(reading(open + traffic + handling), at: .seconds(102))
        let closes: [(stack: Int, offset: Int, value: Double)] = [
            (compat, CompareLayout.open + glasses, 1), (native, CompareLayout.open + glasses, 0),
            (compat, CompareLayout.closes + CompareLayout.closeCodes.firstIndex(of: "1000")!, 1),
            (native, CompareLayout.closes + CompareLayout.closeCodes.firstIndex(of: "1006")!, 1),
            (native, CompareLayout.backpressure + CompareLayout.backpressureKinds.firstIndex(of: "text_queued")!, 3),
        ]
        history.append(reading(open + traffic + handling + closes, refusals: ["missing_token": 2]), at: .seconds(104))
        return history
    }

    @Test("a driven sequence of three samples gives exactly this 1-minute window")
    func exactWindow() {
        let window = Self.drivenHistory().window(seconds: 60)
        let compat =
            #"{"abnormalCloses":{"connectionMinutes":0.0833,"count":0,"perConnectionMinute":0},"#
            + #""backpressure":{"audio_dropped":0,"slow_consumer_close":0,"text_queued":0,"total":0},"#
            + #""bytesInPerSecond":250,"bytesOutPerSecond":1000,"#
            + #""closes":{"1000":1,"1001":0,"1002":0,"1006":0,"1007":0,"1008":0,"1009":0,"1011":0,"1012":0,"other":0,"total":1},"#
            + #""connections":{"open":{"app":0,"glasses":1,"total":1},"opened":{"app":0,"glasses":2,"total":2}},"#
            + #""handling":{"buckets":[0,0,0,10,10,10,10,10,10,10,10,10,10,10,10],"count":10,"#
            + #""p50Microseconds":37.5,"p90Microseconds":47.5,"p99Microseconds":49.75},"#
            + #""messagesInPerSecond":2.5,"messagesOutPerSecond":5}"#
        let native =
            #"{"abnormalCloses":{"connectionMinutes":0.0833,"count":1,"perConnectionMinute":12},"#
            + #""backpressure":{"audio_dropped":0,"slow_consumer_close":0,"text_queued":3,"total":3},"#
            + #""bytesInPerSecond":500,"bytesOutPerSecond":2000,"#
            + #""closes":{"1000":0,"1001":0,"1002":0,"1006":1,"1007":0,"1008":0,"1009":0,"1011":0,"1012":0,"other":0,"total":1},"#
            + #""connections":{"open":{"app":1,"glasses":0,"total":1},"opened":{"app":1,"glasses":1,"total":2}},"#
            + #""handling":{"buckets":[0,0,0,10,20,20,20,20,20,20,20,20,20,20,20],"count":20,"#
            + #""p50Microseconds":50,"p90Microseconds":90,"p99Microseconds":99},"#
            + #""messagesInPerSecond":5,"messagesOutPerSecond":10}"#
        let ratio =
            #"{"abnormalCloses":{"connectionMinutes":1,"count":null,"perConnectionMinute":null},"#
            + #""backpressure":{"audio_dropped":null,"slow_consumer_close":null,"text_queued":null,"total":null},"#
            + #""bytesInPerSecond":2,"bytesOutPerSecond":2,"#
            + #""closes":{"1000":0,"1001":null,"1002":null,"1006":null,"1007":null,"1008":null,"1009":null,"1011":null,"1012":null,"#
            + #""other":null,"total":1},"#
            + #""connections":{"open":{"app":null,"glasses":0,"total":1},"opened":{"app":null,"glasses":0.5,"total":1}},"#
            + #""handling":{"count":2,"p50Microseconds":1.3333,"p90Microseconds":1.8947,"p99Microseconds":1.9899},"#
            + #""messagesInPerSecond":2,"messagesOutPerSecond":2}"#
        let refusals = #"{"bad_handshake":0,"invalid_token":0,"missing_headers":0,"missing_token":2,"not_found":0,"other":0,"total":2}"#
        let expected = #"{"compat":\#(compat),"native":\#(native),"ratio":\#(ratio),"seconds":4,"upgradeRefusals":\#(refusals)}"#
        #expect(CompareReport.json(window).text == expected)
    }

    @Test("the answer states its sampling, its bounded memory and all three windows")
    func topLevel() throws {
        let text = CompareReport.json(Self.drivenHistory()).text
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["intervalSeconds"] as? Int == 2)
        #expect(object["capacity"] as? Int == 450)
        #expect(object["samples"] as? Int == 3)
        #expect(object["historyBytes"] as? Int == 284_400)
        let bounds = try #require(object["handlingBucketsMicroseconds"] as? [Any])
        #expect(bounds.count == 15)
        #expect(bounds.first as? Int == 5)
        #expect(bounds.last is NSNull)
        let windows = try #require(object["windows"] as? [String: Any])
        #expect(Set(windows.keys) == ["1m", "5m", "15m"])
        // Every window reaches back to the first sample, 4 s ago.
        for window in windows.values {
            #expect((window as? [String: Any])?["seconds"] as? Int == 4)
        }
    }

    @Test("before two samples, rates and percentiles are null rather than zero")
    func emptyHistory() {
        let history = CompareHistory()
        let empty = history.window(seconds: 60)
        #expect(empty.seconds == 0)
        let text = CompareReport.json(empty).text
        #expect(text.contains(#""messagesInPerSecond":null"#))
        #expect(text.contains(#""p99Microseconds":null"#))
        #expect(text.contains(#""perConnectionMinute":null"#))
    }

    @Test("the ring keeps its capacity, drops the oldest, and a window spans at most its length")
    func ringWraps() {
        let history = CompareHistory(capacity: 4)
        for second in 0..<10 {
            var reading = CompareReading()
            reading[stack: Self.native, offset: CompareLayout.messagesIn] = Double(second * 10)
            history.append(reading, at: .seconds(2 * second))
        }
        #expect(history.count == 4)
        #expect(history.byteCount == 4 * (CompareLayout.width * 8 + 8))
        // Samples at 12, 14, 16, 18 s remain: the whole ring is 6 s.
        let all = history.window(seconds: 900)
        #expect(all.seconds == 6)
        #expect(all.end[stack: Self.native, offset: CompareLayout.messagesIn] - all.start[stack: Self.native, offset: CompareLayout.messagesIn] == 30)
        let short = history.window(seconds: 3)
        #expect(short.seconds == 2)
    }

    @Test(
        "percentiles interpolate within a bucket and stop at the largest finite bound",
        arguments: [
            (0.5, [Double](repeating: 4, count: 15), 2.5e-6),
            (0.99, [Double](repeating: 0, count: 14) + [3], 1.0),
        ]
    )
    func quantiles(q: Double, cumulative: [Double], expected: Double) throws {
        let value = try #require(CompareReport.quantile(q, cumulative: cumulative))
        #expect(abs(value - expected) < 1e-12)
    }
}

@Suite("/admin/compare's reading of the Prometheus registry")
struct CompareReadingTests {
    static let text = """
        # TYPE turnout_connections_active gauge
        turnout_connections_active{stack="native",endpoint="glasses"} 3
        turnout_connections_total{stack="native",endpoint="app"} 7
        turnout_messages_received_total{stack="compat",endpoint="glasses"} 10
        turnout_messages_received_total{stack="compat",endpoint="app"} 5
        turnout_message_handling_seconds_bucket{stack="compat",endpoint="glasses",le="0.000005"} 1
        turnout_message_handling_seconds_bucket{stack="compat",endpoint="glasses",le="1.0"} 4
        turnout_message_handling_seconds_bucket{stack="compat",endpoint="glasses",le="+Inf"} 6
        turnout_message_handling_seconds_count{stack="compat",endpoint="glasses"} 6
        turnout_closes_total{stack="native",endpoint="glasses",code="none"} 2
        turnout_closes_total{stack="native",endpoint="glasses",code="4000"} 1
        turnout_backpressure_events_total{stack="native",kind="text_queued"} 9
        turnout_upgrades_total{result="accepted"} 50
        turnout_upgrades_total{result="invalid_token"} 4
        turnout_upgrades_total{result="something_new"} 1
        turnout_connections_active{stack="third",endpoint="glasses"} 99
        """

    @Test("each sample lands in its field; +Inf in the last bucket, no code as 1006, unknown codes and reasons as other")
    func fields() {
        let reading = CompareReading(metrics: MetricsText(Self.text))
        #expect(reading[stack: 1, offset: CompareLayout.open + CompareLayout.endpoints.firstIndex(of: "glasses")!] == 3)
        #expect(reading[stack: 1, offset: CompareLayout.opened + CompareLayout.endpoints.firstIndex(of: "app")!] == 7)
        #expect(reading[stack: 0, offset: CompareLayout.messagesIn] == 15)
        #expect(reading[stack: 0, offset: CompareLayout.buckets] == 1)
        #expect(reading[stack: 0, offset: CompareLayout.buckets + 13] == 4)
        #expect(reading[stack: 0, offset: CompareLayout.buckets + 14] == 6)
        #expect(reading[stack: 1, offset: CompareLayout.closes + CompareLayout.closeCodes.firstIndex(of: "1006")!] == 2)
        #expect(reading[stack: 1, offset: CompareLayout.closes + CompareLayout.closeCodes.firstIndex(of: "other")!] == 1)
        #expect(reading[stack: 1, offset: CompareLayout.backpressure + CompareLayout.backpressureKinds.firstIndex(of: "text_queued")!] == 9)
        #expect(reading.values[CompareLayout.refusals + CompareLayout.refusalReasons.firstIndex(of: "invalid_token")!] == 4)
        #expect(reading.values[CompareLayout.refusals + CompareLayout.refusalReasons.firstIndex(of: "other")!] == 1)
        // Nothing else counted: 3 + 7 + 15 + 1 + 4 + 6 + 2 + 1 + 9 + 4 + 1 (the third stack and `accepted` are not).
        let total: Double = 53
        #expect(reading.values.reduce(0, +) == total)
    }
}

@Suite("/admin/compare?series=1: the dashboard's charts")
struct CompareSeriesTests {
    @Test("the driven history gives one point per interval, exactly")
    func exactSeries() {
        let compat =
            #"{"abnormalPerConnectionMinute":[0,0],"backpressurePerSecond":[0,0],"messagesInPerSecond":[5,0],"#
            + #""messagesOutPerSecond":[10,0],"open":[2,1],"p99Microseconds":[49.75,null]}"#
        let native =
            #"{"abnormalPerConnectionMinute":[0,20],"backpressurePerSecond":[0,1.5],"messagesInPerSecond":[10,0],"#
            + #""messagesOutPerSecond":[20,0],"open":[2,1],"p99Microseconds":[99,null]}"#
        let expected = #"{"compat":\#(compat),"native":\#(native),"secondsAgo":[2,0],"stepSeconds":2}"#
        #expect(CompareReport.series(CompareReportTests.drivenHistory()).text == expected)
    }

    @Test("points go back by the step from the newest sample and end with the oldest")
    func points() {
        let history = CompareHistory()
        for second in 0..<12 {
            history.append(CompareReading(), at: .seconds(2 * second))
        }
        #expect(history.points(step: 5).map(\.secondsAgo) == [22, 20, 10, 0])
        #expect(history.points(step: 1).count == 12)
        #expect(CompareHistory().points(step: 5).isEmpty)
        // 12 samples: one point per 10 s.
        #expect(CompareReport.series(history).text.hasSuffix(#""secondsAgo":[20,10,0],"stepSeconds":10}"#))
    }
}
