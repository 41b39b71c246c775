/// The version `GET /health` and `turnout --version` report.
package enum TurnoutVersion {
    /// The release version.
    package static let current = "0.1.0"
}
