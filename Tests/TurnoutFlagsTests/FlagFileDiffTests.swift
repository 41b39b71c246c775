import Testing
import TurnoutConfigFile

@testable import TurnoutFlags

@Suite("FlagFileDiff")
struct FlagFileDiffTests {
    static func file(_ text: String) throws -> FlagFile {
        try FlagFile.decode(Array(text.utf8), file: "flags.yaml")
    }

    @Test("a ramp step is one line: flag.percentage: old → new")
    func percentage() throws {
        let old = try Self.file("version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
        let new = try Self.file("version: 1\nflags:\n  native-transport:\n    percentage: 25\n")
        #expect(FlagFileDiff(from: old, to: new).lines == ["native-transport.percentage: 5 → 25"])
        #expect(FlagFileDiff(from: new, to: old).lines == ["native-transport.percentage: 25 → 5"])
    }

    @Test("identical files, and writing a default out, are no change")
    func noChange() throws {
        let old = try Self.file("version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
        let new = try Self.file(
            "# a comment\nversion: 1\nflags:\n  native-transport:\n    enabled: true\n    percentage: 5.00\n    salt: native-transport\n"
        )
        #expect(FlagFileDiff(from: old, to: new).isEmpty)
    }

    @Test("every key is compared, in the documented order")
    func everyKey() throws {
        let old = try Self.file("version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
        let new = try Self.file(
            """
            version: 1
            flags:
              native-transport:
                description: ramp
                enabled: false
                percentage: 12.5
                salt: fresh
                endpoints: [glasses]
                users:
                  native: [qa@example.com, dev@example.com]
                  compat: [vip@example.com]
                unidentified: native
                on_change: migrate
                migrate_window: 2m

            """
        )
        #expect(
            FlagFileDiff(from: old, to: new).lines == [
                "native-transport.description: \"\" → ramp",
                "native-transport.enabled: true → false",
                "native-transport.percentage: 5 → 12.5",
                "native-transport.salt: native-transport → fresh",
                "native-transport.endpoints: [glasses, app] → [glasses]",
                "native-transport.users.native: [] → [qa@example.com, dev@example.com]",
                "native-transport.users.compat: [] → [vip@example.com]",
                "native-transport.unidentified: compat → native",
                "native-transport.on_change: keep → migrate",
                "native-transport.migrate_window: 30s → 2m",
            ]
        )
    }

    @Test("an added and a removed flag are one line each, removed ones last")
    func addedAndRemoved() throws {
        let old = try Self.file("version: 1\nflags:\n  old-flag:\n    percentage: 3\n  native-transport:\n    percentage: 5\n")
        let new = try Self.file("version: 1\nflags:\n  beta:\n    percentage: 1\n  native-transport:\n    percentage: 5\n")
        let diff = FlagFileDiff(from: old, to: new)
        #expect(diff.lines == ["beta: added (percentage 1)", "old-flag: removed"])
        #expect(diff.changes.first == FlagFileDiff.Change(flag: "beta", key: nil, old: nil, new: "percentage 1"))
    }

    @Test("from no flags at all (the built-in default) every flag is added")
    func fromBuiltInDefault() throws {
        let new = try Self.file("version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
        #expect(FlagFileDiff(from: .builtInDefault, to: new).lines == ["native-transport: added (percentage 5)"])
    }
}
