import ArgumentParser
import TurnoutFlags

/// `turnout flags simulate`: the share per stack over synthetic users, and what a ramp step would move.
struct FlagsSimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Preview the split over synthetic users, and how many a ramp step would move.",
        discussion: "Synthetic ids are user0@example.com, user1@example.com, … so runs are repeatable."
    )

    @Option(help: "The flag file.")
    var file = "flags.yaml"

    @Option(help: "The flag to simulate.")
    var flag = FlagFile.nativeTransport

    @Option(help: "The endpoint: glasses or app.")
    var endpoint = Endpoint.glasses

    @Option(help: "How many synthetic users (1 to 100,000,000).")
    var users: Int

    @Option(help: "A new percentage (0 to 100, two decimals) to preview the ramp to.")
    var to: String?

    func validate() throws {
        guard (1...100_000_000).contains(users) else {
            throw ValidationError("--users must be between 1 and 100,000,000, got \(users).")
        }
        if let to, case .failure(let error) = Percentage.parse(to) {
            throw ValidationError("--to \(to): \(Self.describe(error))")
        }
    }

    func run() async throws {
        let snapshot = try FlagsCommand.loadSnapshot(path: file)
        let target = try to.map { text in
            RampPreview.snapshot(snapshot, setting: flag, to: try Percentage.parse(text).get(), source: "simulation")
        }
        for line in RampPreview(flag: flag, endpoint: endpoint, users: users, current: snapshot, target: target).lines {
            print(line)
        }
    }

    static func describe(_ error: Percentage.ParseError) -> String {
        switch error {
        case .notANumber: "not a number from 0 to 100"
        case .tooManyDecimals: "more than two decimals; the finest step is 0.01"
        case .outOfRange: "outside 0–100"
        }
    }
}
