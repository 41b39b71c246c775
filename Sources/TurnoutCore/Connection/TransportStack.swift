/// The label of the transport stack that serves a connection.
///
/// The core never branches on it: it only flows into metrics labels, log metadata and admin
/// answers, so that the two stacks can be compared. It is a struct rather than an enum so that
/// a third stack needs no change in the core.
package struct TransportStack: Sendable, Hashable, CustomStringConvertible {
    /// The label, such as `compat` or `native`.
    package var label: String

    /// Creates a stack label.
    package init(_ label: String) {
        self.label = label
    }

    /// The established vapor/websocket-kit stack.
    package static let compat = TransportStack("compat")
    /// Turnout's own NIOWebSocket stack.
    package static let native = TransportStack("native")

    package var description: String { self.label }
}
