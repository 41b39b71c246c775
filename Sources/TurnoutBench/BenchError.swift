/// Why a bench run could not start, could not finish, or found the server misbehaving.
///
/// A struct over a private code, so cases can be added without breaking callers; equality is by
/// code only. `description` is one sentence a person can act on.
package struct BenchError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Code: Hashable, Sendable {
        case invalidOption
        case serverStart
        case connect
        case setup
        case verification
    }

    private let code: Code
    /// What happened, for humans.
    package let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A command-line option has a value the bench cannot use.
    package static func invalidOption(_ message: String) -> Self { .init(.invalidOption, message) }
    /// `--spawn` could not start the server, or it never answered `/health`.
    package static func serverStart(_ message: String) -> Self { .init(.serverStart, message) }
    /// A WebSocket or HTTP connection to the server failed.
    package static func connect(_ message: String) -> Self { .init(.connect, message) }
    /// Users, apps or subscriptions did not become ready in time.
    package static func setup(_ message: String) -> Self { .init(.setup, message) }
    /// The run finished, but its counts show loss, reordering, errors, or disagree with `/metrics`.
    package static func verification(_ message: String) -> Self { .init(.verification, message) }

    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    package func hash(into hasher: inout Hasher) { hasher.combine(self.code) }

    package var description: String { self.message }
}
