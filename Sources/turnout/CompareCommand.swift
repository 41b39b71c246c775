import ArgumentParser
import Foundation
import TurnoutServer

/// `turnout compare`: `/admin/compare` of one or more instances as a table in the terminal.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare the two stacks of running servers, side by side, from /admin/compare.",
        discussion: """
            Prints, for the chosen window, each stack's connections, message and byte rates, handling-time
            p50/p90/p99, abnormal closes per connection-minute, backpressure and closes by code, with the
            native/compat ratio under them. With several --admin-url options the first rows add the
            instances up ("all"), then each instance has its own rows. --watch redraws every 2 s.
            """
    )

    @Option(name: .customLong("admin-url"), help: "An admin port's URL, e.g. http://127.0.0.1:9090; repeat for several instances.")
    var adminURLs: [String] = []

    @Option(help: "The admin token. Default: $TURNOUT_ADMIN_TOKEN.")
    var adminToken: String?

    @Option(help: "The window: 1m, 5m or 15m.")
    var window = "1m"

    @Flag(help: "Redraw every 2 s until interrupted.")
    var watch = false

    func validate() throws {
        if adminURLs.isEmpty {
            throw ValidationError("Name at least one --admin-url, e.g. --admin-url http://127.0.0.1:9090.")
        }
        if !["1m", "5m", "15m"].contains(window) {
            throw ValidationError("--window must be 1m, 5m or 15m.")
        }
    }

    func run() async throws {
        let token = adminToken ?? ProcessInfo.processInfo.environment["TURNOUT_ADMIN_TOKEN"]
        repeat {
            let instances = await Self.fetchAll(adminURLs, token: token)
            let table = CompareTable.render(instances, window: window)
            if watch {
                // Home and clear the screen, then the table: it redraws in place. Written through,
                // since stdout may be a pipe.
                FileHandle.standardOutput.write(Data(("\u{1B}[H\u{1B}[2J" + table).utf8))
                try await Task.sleep(for: .seconds(2))
            } else {
                FileHandle.standardOutput.write(Data(table.utf8))
                if instances.contains(where: { if case .failure = $0.answer { true } else { false } }) {
                    throw ExitCode(1)
                }
            }
        } while watch
    }

    /// Every instance's answer, fetched concurrently, in the order given.
    static func fetchAll(_ urls: [String], token: String?) async -> [CompareTable.Instance] {
        await withTaskGroup(of: (Int, CompareTable.Instance).self) { group in
            for (index, url) in urls.enumerated() {
                group.addTask {
                    do throws(CompareFetchError) {
                        return (index, .init(name: url, answer: .success(try await CompareFetcher.fetch(adminURL: url, token: token))))
                    } catch {
                        return (index, .init(name: url, answer: .failure(error)))
                    }
                }
            }
            var answers: [(Int, CompareTable.Instance)] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
