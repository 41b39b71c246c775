import Foundation
import Testing
import TurnoutFlags

@testable import TurnoutServer

@Suite("The dashboard page on the admin port", .timeLimit(.minutes(1)))
struct DashboardPageTests {
    @Test("GET / serves the self-contained page: no external asset, no library, its data from the same origin")
    func selfContained() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let page = try await server.admin("/")
            #expect(page.status == 200)
            #expect(page.body == DashboardPage.html)
            #expect(page.body.hasPrefix("<!DOCTYPE html>"))
            // The only URL is SVG's namespace; nothing is fetched from elsewhere.
            let withoutNamespace = page.body.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
            #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"))
            #expect(!page.body.contains("<link") && !page.body.contains(" src="))
            #expect(page.body.contains(#"fetch("/admin/compare?series=1""#) && page.body.contains(#"fetch("/admin/flags""#))
            #expect(page.body.contains("setInterval(refresh, 2000)"))
            // Small: well under 32 KiB.
            #expect(page.body.utf8.count < 32 * 1024)
        }
    }

    @Test("/admin/compare?series=1 adds the charts' series; without it the answer has none")
    func series() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let plain = try await server.admin("/admin/compare")
            #expect(!plain.body.contains(#""series""#))
            let withSeries = try await server.admin("/admin/compare?series=1")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(withSeries.body.utf8)) as? [String: Any])
            let series = try #require(object["series"] as? [String: Any])
            #expect(series["secondsAgo"] is [Any])
            for stack in ["compat", "native"] {
                let columns = try #require(series[stack] as? [String: [Any]])
                #expect(
                    Set(columns.keys)
                        == [
                            "open", "messagesInPerSecond", "messagesOutPerSecond", "p99Microseconds", "abnormalPerConnectionMinute",
                            "backpressurePerSecond",
                        ]
                )
            }
        }
    }
}
