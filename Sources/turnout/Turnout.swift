import ArgumentParser

/// The `turnout` command line.
@main
struct Turnout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turnout",
        abstract: "A WebSocket server that moves clients between two transport stacks, per user, with numbers.",
        subcommands: [FlagsCommand.self]
    )
}
