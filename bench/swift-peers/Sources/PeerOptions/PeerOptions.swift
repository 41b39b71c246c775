public import ArgumentParser

/// What a peer serves on every path: each message back to its sender, or to every open connection.
public enum PeerMode: String, ExpressibleByArgument, Sendable {
    case echo
    case fanout
}

/// The command line both peers take, as bench/floors.sh starts them: `NAME --port P [--mode echo|fanout]`.
public struct PeerOptions: ParsableArguments {
    /// The TCP port to listen on, on 127.0.0.1.
    @Option(help: "The TCP port to listen on, on 127.0.0.1.")
    public var port: Int

    /// Echo to the sender, or fan out to every open connection (the sender included).
    @Option(help: "echo: each message back to its sender; fanout: to every open connection, the sender included.")
    public var mode: PeerMode = .echo

    public init() {}

    public func validate() throws {
        guard (1...65_535).contains(self.port) else {
            throw ValidationError("--port must be 1...65535, got \(self.port)")
        }
    }
}
