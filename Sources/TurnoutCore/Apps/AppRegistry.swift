/// The apps that may connect: an immutable snapshot of `apps.yaml`.
///
/// Init is checked against it (packageName and the SHA-256 of the API key), and webhooks go to
/// each app's `publicUrl`. A reload swaps the whole snapshot in ``AppRegistryStore``.
package struct AppRegistry: Sendable, Hashable {
    /// One registered app.
    package struct App: Sendable, Hashable {
        /// The app's package name, such as `com.example.notes`; unique in the registry.
        package var packageName: String
        /// The app's display name, for logs and admin answers.
        package var name: String
        /// The app's public base URL; the webhook goes to `publicUrl + "/webhook"`. Stored without a trailing `/`.
        package var publicUrl: String
        /// The SHA-256 of the app's API key.
        package var apiKeySha256: APIKeyDigest

        /// Creates a registered app.
        ///
        /// - Parameters:
        ///   - packageName: The package name.
        ///   - name: The display name.
        ///   - publicUrl: The public base URL; trailing slashes are removed.
        ///   - apiKeySha256: The SHA-256 of the API key.
        package init(packageName: String, name: String, publicUrl: String, apiKeySha256: APIKeyDigest) {
            self.packageName = packageName
            self.name = name
            var publicUrl = publicUrl
            while publicUrl.hasSuffix("/") { publicUrl.removeLast() }
            self.publicUrl = publicUrl
            self.apiKeySha256 = apiKeySha256
        }

        /// The app's webhook URL: `publicUrl + "/webhook"`.
        package var webhookURL: String { self.publicUrl + "/webhook" }
    }

    /// The apps by package name.
    package private(set) var apps: [String: App]

    /// Creates a registry; a later app replaces an earlier one with the same package name.
    package init(_ apps: [App] = []) {
        self.apps = [:]
        for app in apps { self.apps[app.packageName] = app }
    }

    /// The registered app with this package name, or `nil`.
    package func app(_ packageName: String) -> App? {
        self.apps[packageName]
    }

    /// The app when `apiKey` is its key; `nil` when the package is unknown or the key does not match.
    ///
    /// The digest comparison runs in constant time.
    package func authenticate(packageName: String, apiKey: String) -> App? {
        guard let app = self.apps[packageName], app.apiKeySha256.matches(apiKey: apiKey) else { return nil }
        return app
    }
}
