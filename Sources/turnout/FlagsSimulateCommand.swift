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
        let target: FlagSnapshot? = try to.map { text in
            let percentage = try Percentage.parse(text).get()
            var definition = snapshot.file.flag(named: flag) ?? FlagDefinition(name: flag, percentage: .zero)
            definition.percentage = percentage
            let others = snapshot.file.flags.filter { $0.name != flag }
            return FlagSnapshot(file: FlagFile(flags: others + [definition]), source: "simulation")
        }
        var counts: [Stack: Int] = [.native: 0, .compat: 0]
        var toNative = 0
        var toCompat = 0
        for index in 0..<users {
            let userId = "user\(index)@example.com"
            let now = snapshot.decide(userId: userId, endpoint: endpoint, flag: flag).stack
            counts[now, default: 0] += 1
            if let target {
                switch (now, target.decide(userId: userId, endpoint: endpoint, flag: flag).stack) {
                case (.compat, .native): toNative += 1
                case (.native, .compat): toCompat += 1
                default: break
                }
            }
        }
        let current = snapshot.decide(userId: nil, endpoint: endpoint, flag: flag).percentage
        print("\(flag) at \(current) % on \(endpoint), over \(users) synthetic users:")
        for stack in [Stack.native, .compat] {
            print("  \(stack)  \(counts[stack] ?? 0)  \(Self.share(counts[stack] ?? 0, of: users))")
        }
        if let to {
            print("ramp to \(try Percentage.parse(to).get()) %:")
            print("  compat → native  \(toNative)  \(Self.share(toNative, of: users))")
            print("  native → compat  \(toCompat)  \(Self.share(toCompat, of: users))")
            if toNative > 0 && toCompat > 0 {
                print("  note: users move both ways; the salt, pins or endpoints differ from a plain ramp")
            }
        }
    }

    private static func share(_ count: Int, of total: Int) -> String {
        let hundredths = (count * 10_000 + total / 2) / total
        return "(\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) %)"
    }

    private static func describe(_ error: Percentage.ParseError) -> String {
        switch error {
        case .notANumber: "not a number from 0 to 100"
        case .tooManyDecimals: "more than two decimals; the finest step is 0.01"
        case .outOfRange: "outside 0–100"
        }
    }
}
