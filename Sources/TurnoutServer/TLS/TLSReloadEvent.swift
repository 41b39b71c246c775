package import Foundation
package import TurnoutConfigFile

/// The outcome of one attempt to reload a port's TLS certificate and key.
///
/// A ``TLSContextStore`` logs, counts (`turnout_tls_reload_total{port,result}`) and publishes one
/// for every attempt after start-up, so tests can wait on them.
package struct TLSReloadEvent: Sendable {
    /// What the attempt did.
    package enum Result: Sendable {
        /// A new pair is served to new connections; its leaf has this serial number.
        case applied(serialNumber: String)
        /// Both files were read again and had not changed.
        case unchanged
        /// The new files cannot be served; the last good pair stays.
        case rejected(TLSCertificateError)
    }

    /// When it happened (wall clock, for operators).
    package var at: Date
    /// Why it ran: `event`, `poll` or `request` (SIGHUP).
    package var trigger: ReloadEvent.Trigger
    /// What it did.
    package var result: Result

    /// Creates an event.
    package init(at: Date, trigger: ReloadEvent.Trigger, result: Result) {
        self.at = at
        self.trigger = trigger
        self.result = result
    }

    /// The metric label: `applied`, `unchanged`, `invalid`, or `unavailable` (a file missing or unreadable).
    package var resultLabel: String {
        switch result {
        case .applied: "applied"
        case .unchanged: "unchanged"
        case .rejected(let error): error.code == .unreadable ? "unavailable" : "invalid"
        }
    }
}
