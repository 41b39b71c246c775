/// One of the server's two transport stacks, as the bench addresses and reports it.
package enum BenchStack: String, CaseIterable, Codable, Hashable, Sendable {
    /// websocket-kit.
    case compat
    /// Turnout's own NIO handler.
    case native

    /// Position in per-stack arrays: compat 0, native 1.
    package var index: Int { self == .compat ? 0 : 1 }
}
