/// One of the two transport stacks a WebSocket connection can be served on.
public enum Stack: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The established library path (websocket-kit); where traffic returns on rollback.
    case compat
    /// Turnout's own handler on SwiftNIO's WebSocket frames; the stack being ramped.
    case native

    public var description: String { rawValue }
}
