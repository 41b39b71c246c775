/// An invariant a fuzz target checks was broken by one input.
///
/// The fuzz build turns it into a crash, so libFuzzer keeps the input as an artifact; the
/// corpus replayer and `swift test` report it with the target's name.
package struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    /// What was expected and what happened instead, for the person reading the crash.
    package var message: String

    /// Creates a failure saying what broke.
    package init(_ message: String) {
        self.message = message
    }

    package var description: String { self.message }
}

/// Fails with `message` unless `condition` holds.
func check(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(message()) }
}
