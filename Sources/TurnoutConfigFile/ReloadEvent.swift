package import Foundation

/// The outcome of one attempt to load or reload a configuration file.
///
/// A ``ReloadingFileStore`` logs, counts, remembers and publishes one for every attempt, so tests
/// can wait on them and `/admin/flags` can show the last one.
package struct ReloadEvent: Sendable {
    /// What the attempt did.
    package enum Result: Sendable {
        /// A new value, the store's `generation`-th, is being served.
        case applied(generation: Int)
        /// The file was read again and had not changed; the value stays.
        case unchanged
        /// The file is invalid; the last good value stays.
        case rejected(ConfigFileErrors)
        /// The file is gone or unreadable; the last good value stays. The text says which, for operators.
        case unavailable(String)
    }

    /// Why the attempt ran.
    package enum Trigger: String, Sendable {
        /// inotify saw the file's directory change.
        case event
        /// The periodic poll found a difference.
        case poll
        /// Someone asked: SIGHUP, or an explicit reload.
        case request
        /// Server start-up.
        case startup
    }

    /// When it happened (wall clock, for operators).
    package var at: Date
    /// Why it ran.
    package var trigger: Trigger
    /// What it did.
    package var result: Result
    /// The lowercase hex SHA-256 of the bytes read; `nil` when there were none (missing, unreadable, no file).
    package var sha256: String?
    /// What an applied reload changed, one line per key, such as `native-transport.percentage: 5 → 25`;
    /// empty for every other result and at start-up. The kind's ``ConfigFileKind/diff`` writes them.
    package var changes: [String]

    /// Creates an event.
    package init(at: Date, trigger: Trigger, result: Result, sha256: String? = nil, changes: [String] = []) {
        self.at = at
        self.trigger = trigger
        self.result = result
        self.sha256 = sha256
        self.changes = changes
    }

    /// The generation an applied reload installed; `nil` for every other result.
    package var generation: Int? {
        if case .applied(let generation) = result { return generation }
        return nil
    }

    /// Whether the value now served reflects the file.
    package var ok: Bool {
        switch result {
        case .applied, .unchanged: true
        case .rejected, .unavailable: false
        }
    }

    /// The metric label for the result: `applied`, `unchanged`, `invalid` or `unavailable`.
    package var resultLabel: String {
        switch result {
        case .applied: "applied"
        case .unchanged: "unchanged"
        case .rejected: "invalid"
        case .unavailable: "unavailable"
        }
    }

    /// The error for operators, each line `FILE:LINE:COL: message`; `nil` when ``ok``.
    package var error: String? {
        switch result {
        case .applied, .unchanged: nil
        case .rejected(let errors): errors.description
        case .unavailable(let reason): reason
        }
    }
}
