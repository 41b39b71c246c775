package import TurnoutFlags

/// The two stacks a server carries, looked up by the flag store's choice.
package struct TransportStacks: Sendable {
    /// The established websocket-kit stack.
    package var compat: any WebSocketStack
    /// Turnout's own NIOWebSocket stack.
    package var native: any WebSocketStack

    /// Creates the pair.
    package init(compat: any WebSocketStack, native: any WebSocketStack) {
        self.compat = compat
        self.native = native
    }

    /// websocket-kit for compat, Turnout's own handler for native: what `turnout serve` runs.
    package static var production: TransportStacks {
        TransportStacks(compat: CompatStack(), native: NativeStack())
    }

    /// The stack for a decision.
    package subscript(stack: Stack) -> any WebSocketStack {
        switch stack {
        case .compat: compat
        case .native: native
        }
    }
}
