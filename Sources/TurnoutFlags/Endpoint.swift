/// The WebSocket endpoint a connection arrives on, as flags.yaml names it.
public enum Endpoint: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `/glasses-ws`: the phone carrying the glasses.
    case glasses
    /// `/app-ws`: a third-party app.
    case app

    public var description: String { rawValue }
}
