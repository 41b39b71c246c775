// `turnout-echo-floor nio|epoll --port P [--host H] [--mode echo|fanout]`: the two floors of
// issue 11, measured beside Turnout's native stack and Bun by bench/floors.sh.

import ArgumentParser
import Glibc

/// Serves a WebSocket echo (or fan-out) on one core with as little as the platform allows, so
/// that a benchmark can say how far down NIO's channel pipeline (`nio`) and Swift itself (`epoll`)
/// go. Floors, not servers: see `FloorWire` for what they leave out.
@main
struct EchoFloorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turnout-echo-floor",
        abstract: "A WebSocket echo floor on one core: NIO's pipeline (nio) or a bare epoll loop (epoll).",
        discussion: """
            Any GET with a valid WebSocket upgrade gets a 101, on any path; a plain GET gets 200. \
            Prints one line when listening and serves until SIGTERM or SIGINT. IPv4 only.
            """
    )

    @Argument(help: "Which floor: nio (one NIO event loop, one raw handler) or epoll (no NIO).")
    var floor: FloorKind

    @Option(help: "The TCP port (0: any free one, printed).")
    var port: Int

    @Option(help: "The IPv4 address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "echo: each message back to its sender; fanout: each message to every open connection.")
    var mode: FloorMode = .echo

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0…65535, got \(port)") }
    }

    func run() throws {
        // Threads inherit the mask: the signals wait for whoever asks, and the NIO loop never gets them.
        let signals = FloorSignals.blockTerminationSignals()
        signal(SIGPIPE, SIG_IGN)
        switch floor {
        case .nio: try NIOFloor.run(host: host, port: port, mode: mode, signals: signals)
        case .epoll: try EpollFloor.run(host: host, port: port, mode: mode, signals: signals)
        }
    }
}

/// The two floors.
enum FloorKind: String, ExpressibleByArgument, CaseIterable {
    case nio
    case epoll
}

/// Where a text or binary message goes.
enum FloorMode: String, ExpressibleByArgument, CaseIterable {
    /// Back to its sender.
    case echo
    /// To every open connection, the sender included (Bun's `publish` with publishToSelf).
    case fanout
}

/// SIGTERM and SIGINT, blocked so that a floor can wait for them (sigwait, signalfd).
enum FloorSignals {
    static func blockTerminationSignals() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        return set
    }

    /// Writes `line` and a newline to standard output at once (a script waits for it).
    static func announce(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}

/// A floor that could not start, with the call that failed.
struct FloorStartError: Error, CustomStringConvertible {
    var description: String
}
