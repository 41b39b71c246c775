/// The claims of an app JWT, verified by the upgrade router (JWT mode of `/app-ws`).
///
/// When a connection's identity carries these, the core runs the app init as soon as the
/// connection opens, as if the app had sent `tpa_connection_init` itself.
package struct AppCredentials: Sendable, Hashable {
    /// The JWT's `packageName` claim.
    package var packageName: String
    /// The JWT's `apiKey` claim: the plain API key, checked against the registry's SHA-256.
    package var apiKey: String

    /// Creates app credentials.
    package init(packageName: String, apiKey: String) {
        self.packageName = packageName
        self.apiKey = apiKey
    }
}
