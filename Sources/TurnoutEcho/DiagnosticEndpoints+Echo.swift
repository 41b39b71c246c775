package import NIOCore
package import TurnoutTransport

extension DiagnosticEndpoints {
    /// `/echo-ws` answered by an ``EchoResponder`` per connection, `/fanout-ws` by one
    /// ``FanoutRoom`` spread over the group's event loops.
    package static func echoAndFanout(group: any EventLoopGroup) -> DiagnosticEndpoints {
        let room = FanoutRoom(group: group)
        return DiagnosticEndpoints(
            echo: { connection, _ in EchoResponder(connection: connection) },
            fanout: { connection, loop in room.join(connection, on: loop) }
        )
    }
}
