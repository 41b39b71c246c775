import Foundation

/// `turnout bench --ramp 0,25,50,100,50,0 --every 5s`: the native-transport percentages a spawned
/// server's flags.yaml is edited to under glasses load, one step every `every`, with
/// `on_change: migrate` and the given `migrate_window`.
///
/// The first step is where the run starts (the spawned server's file says it); each later step
/// is one edit. The run lasts `steps.count × every`: the first step is held for `every` too.
package struct RampPlan: Hashable, Sendable {
    /// Percentages, each 0...100, at least two.
    package var steps: [Int]
    /// How long each step is held before the next edit.
    package var every: Duration
    /// The flag's `migrate_window`: moved connections are closed with 1012 spread over it.
    package var migrateWindow: Duration

    /// The most a step's native share of connections may be off its percentage.
    package static let tolerancePoints = 5.0
    /// The shortest `--every`.
    package static let shortestStep = Duration.seconds(1)

    /// Parses `--ramp`, `--every` and `--migrate-window`.
    ///
    /// - Parameters:
    ///   - every: `--every`; default 5 s.
    ///   - migrateWindow: `--migrate-window`; default a fifth of `every`, so a step's moves
    ///     (window, then the clients' 1 s reconnect delay) end well within the step.
    /// - Throws: ``BenchError/invalidOption(_:)`` naming the option and the bad value.
    package init(parsing text: String, every: Duration = .seconds(5), migrateWindow: Duration? = nil) throws(BenchError) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        var steps: [Int] = []
        for (index, part) in parts.enumerated() {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let value = Int(trimmed), (0...100).contains(value) else {
                throw .invalidOption(
                    "--ramp: step \(index + 1) ('\(trimmed)') is not a whole percentage from 0 to 100; write e.g. --ramp 0,25,50,100,50,0"
                )
            }
            steps.append(value)
        }
        guard steps.count >= 2 else {
            throw .invalidOption("--ramp needs at least two steps (where it starts and one edit), e.g. --ramp 0,100,0; got '\(text)'")
        }
        guard every >= Self.shortestStep else {
            throw .invalidOption("--every must be at least 1s: a step must leave time for its moves (got \(every))")
        }
        guard every <= .seconds(3600) else { throw .invalidOption("--every must be at most 1h (got \(every))") }
        let window = migrateWindow ?? every / 5
        guard window < every else {
            throw .invalidOption(
                "--migrate-window (\(window)) must be shorter than --every (\(every)), so each step's moves end before the next edit"
            )
        }
        self.steps = steps
        self.every = every
        self.migrateWindow = window
    }

    /// `migrate_window` as flags.yaml writes it, in whole milliseconds.
    package var migrateWindowYAML: String {
        let (seconds, attoseconds) = self.migrateWindow.components
        return "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)ms"
    }

    /// The whole run: every step held for `every`.
    package var duration: Duration { self.every * self.steps.count }
}
