import ArgumentParser
import Foundation
import TurnoutFlags

/// `turnout flags explain`: which stack each user gets, and the rule that chose it.
struct FlagsExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain which stack users get and why.",
        discussion: """
            Prints one line per user, e.g. `alice@example.com → native (rollout: bucket 412 < 500)`.
            With --json, one object per line: userId, flag, endpoint, stack, rule, bucket, percentage.
            With --admin-url the running instance decides (/admin/route), so a ramp guard that
            tripped and forced 0 % shows as `compat (guard-rollback: …)`; TURNOUT_ADMIN_TOKEN is
            sent when set.
            """
    )

    @Option(help: "The flag file.")
    var file = "flags.yaml"

    @Option(help: "The flag to consult.")
    var flag = FlagFile.nativeTransport

    @Option(help: "The endpoint: glasses or app.")
    var endpoint = Endpoint.glasses

    @Option(name: .customLong("user"), help: "A user id; repeat for several.")
    var users: [String] = []

    @Option(help: "A file with one user id per line; - reads standard input.")
    var usersFrom: String?

    @Option(help: "Ask a running instance (its admin base URL, e.g. http://127.0.0.1:9090) instead of reading --file.")
    var adminURL: String?

    @Flag(help: "Print one JSON object per line.")
    var json = false

    func validate() throws {
        if users.isEmpty && usersFrom == nil {
            throw ValidationError("Name the users with --user ID (repeatable) or --users-from PATH.")
        }
        if !users.isEmpty && usersFrom != nil {
            throw ValidationError("Use either --user or --users-from, not both.")
        }
    }

    func run() async throws {
        let ids = try usersFrom.map(Self.readUsers(from:)) ?? users
        if let adminURL {
            let token = ProcessInfo.processInfo.environment["TURNOUT_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            let instance = AdminInstance(url: adminURL, token: token)
            for userId in ids {
                let decision: Decision
                do {
                    decision = try await instance.route(userId: userId, endpoint: endpoint, flag: flag)
                } catch {
                    StandardError.write("turnout flags explain: \(instance.url) \(error.description)\n")
                    throw ExitCode(1)
                }
                print(json ? decision.jsonObject(userId: userId) : "\(userId) → \(decision.stack) (\(decision.explanation))")
            }
            return
        }
        let snapshot = try FlagsCommand.loadSnapshot(path: file)
        for userId in ids {
            let decision = snapshot.decide(userId: userId, endpoint: endpoint, flag: flag)
            print(json ? decision.jsonObject(userId: userId) : "\(userId) → \(decision.stack) (\(decision.explanation))")
        }
    }

    /// One id per line; blank lines and surrounding whitespace are ignored.
    static func readUsers(from path: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read users from '\(path)': no such file")
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("'\(path)' is not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
