package import NIOCore
package import TurnoutCore

/// The consumers of the diagnostic endpoints, `/echo-ws` and `/fanout-ws`, which exist only with
/// `turnout serve --echo` (conformance runs and peer benchmarks).
///
/// The transport knows only this seam; the consumers live in the TurnoutEcho module, which the
/// server installs under `--echo`, so the production transport carries none of their code.
package struct DiagnosticEndpoints: Sendable {
    /// Opens the consumer of one connection, given the connection and its event loop.
    package typealias Open = @Sendable (any Connection, any EventLoop) -> any WebSocketEventSink

    /// The consumer of an `/echo-ws` connection.
    package var echo: Open
    /// The consumer of a `/fanout-ws` connection.
    package var fanout: Open

    /// Creates the pair.
    package init(echo: @escaping Open, fanout: @escaping Open) {
        self.echo = echo
        self.fanout = fanout
    }
}
