public import ArgumentParser
import Foundation
import TurnoutConfigFile
import TurnoutFlags

/// `turnout flags`: validate flags.yaml, explain decisions and preview a ramp before editing it.
struct FlagsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flags",
        abstract: "Check, explain, simulate and ramp flags.yaml.",
        subcommands: [FlagsCheckCommand.self, FlagsExplainCommand.self, FlagsSimulateCommand.self, FlagsRampCommand.self]
    )

    /// The exit status for a flag file that does not validate (64 is reserved for usage errors).
    static let invalidFileStatus = ExitCode(2)

    /// Reads and validates a flag file, or prints every error to stderr and exits 2.
    static func loadSnapshot(path: String) throws -> FlagSnapshot {
        let errors: ConfigFileErrors
        switch WatchedFileState.read(path: path) {
        case .contents(let bytes):
            do {
                return FlagSnapshot(file: try FlagFile.decode(bytes, file: path), source: path)
            } catch {
                errors = error
            }
        case .missing:
            errors = ConfigFileErrors([ConfigFileError(.unreadable, file: path, line: 1, column: 1, message: "no such file")])
        case .unreadable(let reason):
            errors = ConfigFileErrors([ConfigFileError(.unreadable, file: path, line: 1, column: 1, message: "cannot read the file: \(reason)")])
        }
        StandardError.write(errors.description + "\n")
        throw invalidFileStatus
    }
}

/// Writes to the process's standard error.
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

extension Endpoint: ExpressibleByArgument {}
