package import TurnoutConfigFile

extension AppRegistry {
    /// The keys an app entry may carry, in the order the docs list them.
    static let appKeys = ["packageName", "name", "publicUrl", "apiKeySha256"]

    /// Parses and validates apps.yaml.
    ///
    /// Schema (docs/architecture.md, "The app registry"):
    /// - `version` (required): must be `1`.
    /// - `apps` (required): a list, possibly empty. Each entry is a mapping with
    ///   `packageName` (required, non-empty, unique), `name` (optional, defaults to the package name),
    ///   `publicUrl` (required, `http://` or `https://` with a host; the webhook goes to `publicUrl + "/webhook"`)
    ///   and `apiKeySha256` (required, 64 hexadecimal digits: the SHA-256 of the app's API key).
    /// Unknown keys are errors, with a suggestion for likely typos. Every problem is reported, not only the first.
    ///
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - file: The path to name in errors.
    /// - Throws: ``ConfigFileErrors`` listing every problem, each as `FILE:LINE:COL: message`.
    package static func decode(_ bytes: [UInt8], file: String) throws(ConfigFileErrors) -> AppRegistry {
        try ConfigReader.decodeDocument(bytes, file: file, kind: "apps", Self.decode(root:reader:))
    }

    private static func decode(root: ConfigNode, reader: inout ConfigReader) -> AppRegistry? {
        guard let top = reader.mapping(root, allowedKeys: ["version", "apps"], what: "the top level") else { return nil }
        let isVersion1 = reader.readVersion1(in: top, root: root)
        var apps: [App] = []
        var seen: [String: Int] = [:]
        if let node = top["apps"] {
            switch node.content {
            case .sequence(let sequence):
                for entry in sequence {
                    guard let app = Self.decodeApp(entry, reader: &reader) else { continue }
                    if let firstLine = seen[app.packageName] {
                        reader.report(.invalidValue, "duplicate packageName '\(app.packageName)' (first at line \(firstLine))", at: entry)
                        continue
                    }
                    seen[app.packageName] = entry.line ?? 0
                    apps.append(app)
                }
            case .scalar where node.isNull:
                break  // `apps:` with nothing under it: no app may connect.
            default:
                reader.report(.wrongType, "'apps' must be a list, found \(ConfigReader.describe(node))", at: node)
            }
        } else {
            reader.reportMissing("apps", at: root, what: "the file")
        }
        guard isVersion1 else { return nil }
        return AppRegistry(apps)
    }

    private static func decodeApp(_ node: ConfigNode, reader: inout ConfigReader) -> App? {
        guard let fields = reader.mapping(node, allowedKeys: appKeys, what: "an app") else { return nil }
        let errorsBefore = reader.errors.count
        var packageName: String?
        if let value = fields["packageName"] {
            packageName = reader.string(value, key: "packageName")
            if packageName?.isEmpty == true {
                reader.report(.invalidValue, "'packageName' must not be empty", at: value)
            }
        } else {
            reader.reportMissing("packageName", at: node, what: "an app")
        }
        let what = packageName.map { "app '\($0)'" } ?? "an app"
        var name: String?
        if let value = fields["name"] {
            name = reader.string(value, key: "name")
        }
        var publicUrl: String?
        if let value = fields["publicUrl"] {
            publicUrl = reader.string(value, key: "publicUrl")
            if let url = publicUrl, !Self.isHTTPURL(url) {
                reader.report(.invalidValue, "'publicUrl' must be an http:// or https:// URL with a host, found '\(url)'", at: value)
            }
        } else {
            reader.reportMissing("publicUrl", at: node, what: what)
        }
        var digest: APIKeyDigest?
        if let value = fields["apiKeySha256"] {
            if let hex = reader.string(value, key: "apiKeySha256") {
                digest = APIKeyDigest(hex: hex)
                if digest == nil {
                    reader.report(
                        .invalidValue,
                        "'apiKeySha256' must be the SHA-256 of the API key as 64 hexadecimal digits, found \(hex.count) characters",
                        at: value
                    )
                }
            }
        } else {
            reader.reportMissing("apiKeySha256", at: node, what: what)
        }
        guard reader.errors.count == errorsBefore, let packageName, let publicUrl, let digest else { return nil }
        return App(packageName: packageName, name: name ?? packageName, publicUrl: publicUrl, apiKeySha256: digest)
    }

    private static func isHTTPURL(_ url: String) -> Bool {
        for scheme in ["http://", "https://"] where url.hasPrefix(scheme) {
            let rest = url.dropFirst(scheme.count)
            let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            return !host.isEmpty && !url.contains(" ")
        }
        return false
    }
}
