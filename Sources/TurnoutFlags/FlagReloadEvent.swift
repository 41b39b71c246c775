public import Foundation
public import TurnoutConfigFile

/// The outcome of one attempt to reload flags.yaml.
public struct FlagReloadEvent: Sendable {
    /// What the attempt did.
    public enum Result: Sendable {
        /// A new snapshot is being served.
        case applied(generation: Int)
        /// The file was read again and had not changed; the snapshot stays.
        case unchanged
        /// The file is invalid; the last good snapshot stays.
        case rejected(ConfigFileErrors)
        /// The file is gone or unreadable; the last good snapshot stays.
        case unavailable(String)
    }

    /// Why the reload ran.
    public enum Trigger: String, Sendable {
        /// inotify saw the file's directory change.
        case event
        /// The once-a-second poll found a difference.
        case poll
        /// SIGHUP, or an explicit request.
        case request
        /// Server start-up.
        case startup
    }

    /// When it happened (wall clock).
    public var at: Date
    /// Why it ran.
    public var trigger: Trigger
    /// What it did.
    public var result: Result

    /// Whether the snapshot now served reflects the file.
    public var ok: Bool {
        switch result {
        case .applied, .unchanged: true
        case .rejected, .unavailable: false
        }
    }

    /// The metric label for the result: `applied`, `unchanged`, `invalid` or `unavailable`.
    public var resultLabel: String {
        switch result {
        case .applied: "applied"
        case .unchanged: "unchanged"
        case .rejected: "invalid"
        case .unavailable: "unavailable"
        }
    }

    /// The error for operators, each line `FILE:LINE:COL: message`; `nil` when ``ok``.
    public var error: String? {
        switch result {
        case .applied, .unchanged: nil
        case .rejected(let errors): errors.description
        case .unavailable(let reason): reason
        }
    }
}
