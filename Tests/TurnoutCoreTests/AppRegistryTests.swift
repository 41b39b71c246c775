import Foundation
import Logging
import Testing
import TurnoutConfigFile
import TurnoutCore

@Suite("The app registry: apps.yaml decoding, located errors, reload", .timeLimit(.minutes(1)))
struct AppRegistryTests {
    static var logger: Logger {
        var logger = Logger(label: "app-registry-tests")
        logger.logLevel = .critical
        return logger
    }

    static func decode(_ text: String, file: String = "apps.yaml") throws(ConfigFileErrors) -> AppRegistry {
        try AppRegistry.decode(Array(text.utf8), file: file)
    }

    /// The errors a text produces, as `FILE:LINE:COL: message` lines.
    static func errors(_ text: String) -> [String] {
        do {
            _ = try Self.decode(text)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test("the shipped apps.yaml is valid and holds the example app with the documented key")
    func shippedFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("apps.yaml")
        let bytes = try Array(Data(contentsOf: url))
        let registry = try AppRegistry.decode(bytes, file: "apps.yaml")
        let notes = try #require(registry.app("com.example.notes"))
        #expect(notes.name == "Notes")
        #expect(notes.webhookURL == "http://127.0.0.1:7010/webhook")
        #expect(registry.authenticate(packageName: "com.example.notes", apiKey: "notes-dev-key") == notes)
        #expect(registry.authenticate(packageName: "com.example.notes", apiKey: "notes-dev-kez") == nil)
        #expect(registry.authenticate(packageName: "com.example.other", apiKey: "notes-dev-key") == nil)
    }

    @Test("digests parse from either case and compare by value")
    func digests() throws {
        let digest = try #require(APIKeyDigest(hex: "97A51E935CD8104C2DCD498B7D2EFF122F0C81845D9BB26BC6741D3E78EDB320"))
        #expect(digest == APIKeyDigest(hashing: "notes-dev-key"))
        #expect(digest.hex == "97a51e935cd8104c2dcd498b7d2eff122f0c81845d9bb26bc6741d3e78edb320")
        #expect(APIKeyDigest(hex: "97a5") == nil)
        #expect(APIKeyDigest(hex: String(repeating: "g", count: 64)) == nil)
    }

    @Test("name defaults to the package name; an empty list is allowed")
    func defaults() throws {
        let registry = try Self.decode(
            """
            version: 1
            apps:
              - packageName: a.b
                publicUrl: https://apps.example.com/
                apiKeySha256: \(APIKeyDigest(hashing: "k").hex)
            """
        )
        #expect(registry.app("a.b")?.name == "a.b")
        #expect(registry.app("a.b")?.webhookURL == "https://apps.example.com/webhook")
        #expect(try Self.decode("version: 1\napps: []\n").apps.isEmpty)
        #expect(try Self.decode("version: 1\napps:\n").apps.isEmpty)
    }

    @Test(
        "invalid files give every error as FILE:LINE:COL: message",
        arguments: [
            ("apps: []\n", ["apps.yaml:1:1: the file is missing the required key 'version'"]),
            ("version: 2\napps: []\n", ["apps.yaml:1:10: unsupported version 2; this Turnout reads version 1"]),
            ("version: 1\napps: {}\n", ["apps.yaml:2:7: 'apps' must be a list, found a mapping"]),
            (
                "version: 1\napps:\n  - packageName: a.b\n    publicUrl: http://x\n    apiKeySha256: abc\n",
                ["apps.yaml:5:19: 'apiKeySha256' must be the SHA-256 of the API key as 64 hexadecimal digits, found 3 characters"]
            ),
            (
                "version: 1\napps:\n  - packageName: a.b\n    publicUrl: ftp://x\n    apiKeySha256: \(APIKeyDigest(hashing: "k").hex)\n",
                ["apps.yaml:4:16: 'publicUrl' must be an http:// or https:// URL with a host, found 'ftp://x'"]
            ),
            (
                "version: 1\napps:\n  - packageName: a.b\n    publicURL: http://x\n    apiKeySha256: \(APIKeyDigest(hashing: "k").hex)\n",
                [
                    "apps.yaml:3:5: app 'a.b' is missing the required key 'publicUrl'",
                    "apps.yaml:4:5: unknown key 'publicURL'; did you mean 'publicUrl'?",
                ]
            ),
            (
                "version: 1\napps:\n  - packageName: a.b\n    publicUrl: http://x\n    apiKeySha256: \(APIKeyDigest(hashing: "k").hex)\n  - packageName: a.b\n    publicUrl: http://y\n    apiKeySha256: \(APIKeyDigest(hashing: "k").hex)\n",
                ["apps.yaml:6:5: duplicate packageName 'a.b' (first at line 3)"]
            ),
            (
                "version: 1\napps:\n  - name: x\n",
                [
                    "apps.yaml:3:5: an app is missing the required key 'packageName'",
                    "apps.yaml:3:5: an app is missing the required key 'publicUrl'",
                    "apps.yaml:3:5: an app is missing the required key 'apiKeySha256'",
                ]
            ),
        ]
    )
    func invalid(text: String, expected: [String]) {
        #expect(Self.errors(text) == expected)
    }

    @Test("reloads apply valid files, keep the last good registry on bad or missing files, and watch the directory")
    func reloadAndWatch() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-apps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("apps.yaml").path
        let digest = APIKeyDigest(hashing: "k").hex
        func write(_ text: String) throws {
            let temporary = path + ".tmp"
            try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
            _ = rename(temporary, path)  // as editors save: write, then rename over
        }
        try write("version: 1\napps:\n  - packageName: a.b\n    publicUrl: http://x\n    apiKeySha256: \(digest)\n")

        let store = try AppRegistryStore.load(path: path, logger: Self.logger)
        #expect(store.current.app("a.b") != nil)
        #expect(store.lastReload?.ok == true)

        // Invalid: rejected with a located error, the last good registry stays.
        try write("version: 1\napps:\n  - packageName: a.b\n    publicUrl: http://x\n    apiKeySha256: nope\n")
        let rejected = store.reloadNow()
        #expect(rejected.resultLabel == "invalid")
        #expect(rejected.error?.hasPrefix("\(path):5:19: ") == true)
        #expect(store.current.app("a.b") != nil)

        // Watching: a valid edit is picked up without a request.
        let events = store.reloadEvents()
        let ready = AsyncStream<Void>.makeStream()
        let watcher = Task {
            await store.watch(
                configuration: .init(
                    debounce: .milliseconds(10),
                    maximumDelay: .milliseconds(50),
                    pollInterval: .milliseconds(100)
                ),
                onReady: { ready.continuation.finish() }
            )
        }
        for await _ in ready.stream {}
        try write("version: 1\napps:\n  - packageName: c.d\n    publicUrl: http://y\n    apiKeySha256: \(digest)\n")
        var applied = false
        for await event in events where event.ok {
            applied = true
            break
        }
        #expect(applied)
        #expect(store.current.app("c.d") != nil)
        #expect(store.current.app("a.b") == nil)
        watcher.cancel()
        await watcher.value

        // Missing: unavailable, the last good registry stays.
        try FileManager.default.removeItem(atPath: path)
        #expect(store.reloadNow().resultLabel == "unavailable")
        #expect(store.current.app("c.d") != nil)
    }

    @Test("a missing file at start-up is an empty registry; an invalid one is an error")
    func startup() throws {
        let store = try AppRegistryStore.load(path: "/nonexistent/turnout/apps.yaml", logger: Self.logger)
        #expect(store.current.apps.isEmpty)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-apps-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("apps.yaml").path
        try Data("version: 1\napps:\n  - packageNam: x\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: ConfigFileErrors.self) { try AppRegistryStore.load(path: path, logger: Self.logger) }
    }
}
