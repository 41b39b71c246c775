import Foundation
import Testing
import TurnoutConfigFile
import TurnoutCore
import TurnoutServer
import TurnoutTestSupport

/// The Grafana dashboard and the Prometheus rules under deploy/ must query only metric names
/// the server exports: every name in their PromQL is checked against a real `/metrics` scrape.
@Suite("deploy/: every metric the dashboard and the rules query is one the server exports", .timeLimit(.minutes(1)))
struct DeployMetricNamesTests {
    /// Names allowed without a scrape, each with why.
    static let allowedUnscraped: Set<String> = []

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every PromQL expression in the dashboard: panel targets, annotations and variable queries.
    static func dashboardExpressions() throws -> [String] {
        let data = try Data(contentsOf: repository.appendingPathComponent("deploy/grafana/turnout-ab.json"))
        var expressions: [String] = []
        func walk(_ node: Any) {
            if let object = node as? [String: Any] {
                for (key, value) in object {
                    if key == "expr", let expression = value as? String {
                        expressions.append(expression)
                    } else if key == "query", let query = (value as? [String: Any])?["query"] as? String {
                        expressions.append(query)
                    } else {
                        walk(value)
                    }
                }
            } else if let array = node as? [Any] {
                array.forEach(walk)
            }
        }
        walk(try JSONSerialization.jsonObject(with: data))
        return expressions
    }

    /// The rules file's `expr:` values (inline or block scalars) and its `record:` names.
    static func rules() throws -> (expressions: [String], recorded: Set<String>) {
        let text = try String(contentsOf: repository.appendingPathComponent("deploy/prometheus/turnout-rules.yml"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var expressions: [String] = []
        var recorded: Set<String> = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let trimmed = line.drop { $0 == " " }
            let indent = line.count - trimmed.count
            index += 1
            if trimmed.hasPrefix("- record:") || trimmed.hasPrefix("record:") {
                recorded.insert(String(trimmed.split(separator: ":", maxSplits: 1)[1].drop { $0 == " " }))
            } else if trimmed.hasPrefix("expr:") {
                let rest = trimmed.dropFirst("expr:".count).trimmingCharacters(in: .whitespaces)
                guard rest == "|" || rest == ">" || rest == "|-" || rest == ">-" else {
                    expressions.append(rest)
                    continue
                }
                var block: [Substring] = []
                while index < lines.count, lines[index].prefix(while: { $0 == " " }).count > indent || lines[index].allSatisfy({ $0 == " " }) {
                    block.append(lines[index])
                    index += 1
                }
                expressions.append(block.joined(separator: "\n"))
            }
        }
        return (expressions, recorded)
    }

    /// The metric and recording-rule names in an expression: identifiers outside quotes that
    /// start with `turnout_` or contain `:`.
    static func names(in expression: String) -> Set<String> {
        var names: Set<String> = []
        var current = ""
        var quote: Character?
        var previous: Character = " "
        func isPart(_ character: Character) -> Bool { character.isLetter || character.isNumber || character == "_" || character == ":" }
        for character in expression + " " {
            if let open = quote {
                if character == open && previous != "\\" { quote = nil }
            } else if character == "\"" || character == "'" || character == "`" {
                quote = character
            } else if isPart(character) {
                if current.isEmpty && (character.isNumber || isPart(previous)) {
                    // A number or a duration such as 5m: not a name.
                } else if !current.isEmpty || !isPart(previous) {
                    current.append(character)
                }
            }
            if !isPart(character) || quote != nil {
                if current.hasPrefix("turnout_") || current.contains(":") { names.insert(current) }
                current = ""
            }
            previous = character
        }
        return names
    }

    @Test("names are found in expressions, outside quotes, not in durations or labels")
    func extraction() {
        let expression =
            #"histogram_quantile(0.99, sum by (le) (rate(turnout_message_handling_seconds_bucket{code=~"turnout_x|1006"}[5m])))"#
            + " / ignoring (stack) instance_stack:turnout_connections_active:sum"
        #expect(Self.names(in: expression) == ["turnout_message_handling_seconds_bucket", "instance_stack:turnout_connections_active:sum"])
    }

    @Test("a scrape under load on both stacks exports every raw metric the deploy files query")
    func namesAreExported() async throws {
        let rules = try Self.rules()
        let dashboard = try Self.dashboardExpressions()
        #expect(rules.expressions.count >= 20)
        #expect(dashboard.count >= 20)
        let queried = (rules.expressions + dashboard).reduce(into: Set<String>()) { $0.formUnion(Self.names(in: $1)) }
        // Recording rules used by the dashboard or other rules must be defined in the rules file.
        let recordings = queried.filter { $0.contains(":") }
        #expect(recordings.subtracting(rules.recorded).isEmpty, "undefined recording rules: \(recordings.subtracting(rules.recorded).sorted())")
        let raw = queried.subtracting(recordings).subtracting(Self.allowedUnscraped)
        #expect(raw.count >= 10)

        // With a guard block, as production has: the guard's trip counters exist only then.
        let flags = CompareEndToEndTests.flags + "    guard:\n      window: 60s\n"
        try await withTestServer(flags: flags) { server in
            // A little load on both stacks: a glasses connection each, a message each, clean closes,
            // one refused upgrade, one flag reload.
            for email in ["com@example.com", "nat@example.com"] {
                let glasses = try await server.connectGlasses(email)
                _ = await glasses.next()
                try await glasses.sendText(#"{"type":"connection_init","coreToken":"ignored"}"#)
                _ = await glasses.next()
                try await glasses.sendClose(1000)
                _ = await glasses.transcript()
            }
            await #expect(throws: RawWebSocketClient.UpgradeRefused.self) {
                _ = try await RawWebSocketClient.connect(port: server.port, path: "/glasses-ws")
            }
            let reloads = server.running.flags.reloadEvents()
            try server.writeFlags(CompareEndToEndTests.flags + "    salt: reloaded\n")
            for await event in reloads where event.ok { break }

            let scrape = try await server.admin("/metrics")
            #expect(scrape.status == 200)
            let exported = Set(MetricsText(scrape.body).samples.map(\.name))
            #expect(exported.contains("turnout_connections_active"))
            let missing = raw.subtracting(exported)
            #expect(missing.isEmpty, "queried but not exported: \(missing.sorted())")
        }
    }
}
