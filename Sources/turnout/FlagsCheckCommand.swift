import ArgumentParser
import TurnoutConfigFile
import TurnoutFlags

/// `turnout flags check FILE`: exit 0 with one summary line per flag, or exit 2 with every error.
struct FlagsCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a flag file: exit 0 and summarise each flag, or exit 2 and list every error."
    )

    @Argument(help: "The flag file to check.")
    var file: String

    func run() async throws {
        let snapshot = try FlagsCommand.loadSnapshot(path: file)
        if snapshot.file.flags.isEmpty {
            print("\(file): valid, no flags (every connection takes compat)")
        }
        for flag in snapshot.file.flags {
            print(Self.summary(of: flag))
        }
    }

    /// `native-transport: enabled, 5 % native, salt native-transport, endpoints glasses+app, ...`
    static func summary(of flag: FlagDefinition) -> String {
        let endpoints = Endpoint.allCases.filter(flag.endpoints.contains).map(\.rawValue)
        var parts = [
            flag.enabled ? "enabled" : "disabled (everyone on compat)",
            "\(flag.percentage) % native",
            "salt \(flag.salt)",
            "endpoints \(endpoints.isEmpty ? "none" : endpoints.joined(separator: "+"))",
            "pinned \(flag.nativeUsers.count) native / \(flag.compatUsers.count) compat",
            "unidentified → \(flag.unidentified)",
            "on_change \(flag.onChange.rawValue)",
        ]
        if flag.onChange == .migrate {
            parts.append("migrate_window \(ConfigReader.formatDuration(flag.migrateWindow))")
        }
        if let policy = flag.guardPolicy {
            parts.append("guard " + policy.fields.map { "\($0.key) \($0.value)" }.joined(separator: " "))
        } else {
            parts.append("no guard")
        }
        return "\(flag.name): " + parts.joined(separator: ", ")
    }
}
