package import TurnoutConfigFile

/// The outcome of one attempt to (re)load apps.yaml.
package struct AppRegistryReloadEvent: Sendable {
    /// What the attempt did.
    package enum Result: Sendable {
        /// A new registry with this many apps is being served.
        case applied(apps: Int)
        /// The file was read again and had not changed.
        case unchanged
        /// The file is invalid; the last good registry stays.
        case rejected(ConfigFileErrors)
        /// The file is gone or unreadable; the last good registry stays.
        case unavailable(String)
    }

    /// Why the reload ran.
    package enum Trigger: String, Sendable {
        /// inotify saw the file's directory change.
        case event
        /// The once-a-second poll found a difference.
        case poll
        /// SIGHUP, or an explicit request.
        case request
        /// Server start-up.
        case startup
    }

    /// When it happened.
    package var at: Timestamp
    /// Why it ran.
    package var trigger: Trigger
    /// What it did.
    package var result: Result

    /// Whether the registry now served reflects the file.
    package var ok: Bool {
        switch self.result {
        case .applied, .unchanged: true
        case .rejected, .unavailable: false
        }
    }

    /// The metric label: `applied`, `unchanged`, `invalid` or `unavailable`.
    package var resultLabel: String {
        switch self.result {
        case .applied: "applied"
        case .unchanged: "unchanged"
        case .rejected: "invalid"
        case .unavailable: "unavailable"
        }
    }

    /// The error for operators, each line `FILE:LINE:COL: message`; `nil` when ``ok``.
    package var error: String? {
        switch self.result {
        case .applied, .unchanged: nil
        case .rejected(let errors): errors.description
        case .unavailable(let reason): reason
        }
    }
}
