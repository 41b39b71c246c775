import ArgumentParser
import TurnoutServer

/// The `turnout` command line.
@main
struct Turnout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turnout",
        abstract: "A WebSocket server that moves clients between two transport stacks, per user, with numbers.",
        version: TurnoutVersion.current,
        subcommands: [ServeCommand.self, FlagsCommand.self, TokenCommand.self, BenchCommand.self, CompareCommand.self]
    )
}
