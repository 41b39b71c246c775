import Foundation
import Testing
import TurnoutConfigFile

@testable import TurnoutFlags

@Suite("flags.yaml decoding and validation")
struct FlagFileDecodingTests {
    private func decode(_ text: String) throws -> FlagFile {
        try FlagFile.decode(Array(text.utf8), file: "flags.yaml")
    }

    /// Every error line for `text`, or a recorded issue if it decodes.
    private func errors(_ text: String) -> [String] {
        errors(bytes: Array(text.utf8))
    }

    private func errors(bytes: [UInt8]) -> [String] {
        do {
            let file = try FlagFile.decode(bytes, file: "flags.yaml")
            Issue.record("expected errors, decoded \(file)")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test("a full file decodes every key")
    func fullFile() throws {
        let file = try decode(
            """
            version: 1
            flags:
              native-transport:
                description: Serve WebSocket connections on the native stack
                enabled: true
                percentage: 77.54
                salt: ramp-2
                endpoints: [glasses]
                users:
                  native: [qa@example.com]
                  compat: [vip@example.com, ops@example.com]
                unidentified: native
                on_change: migrate
                migrate_window: 2m
            """
        )
        let flag = try #require(file.flag(named: "native-transport"))
        #expect(
            flag
                == FlagDefinition(
                    name: "native-transport",
                    description: "Serve WebSocket connections on the native stack",
                    enabled: true,
                    percentage: try #require(Percentage(hundredths: 7754)),
                    salt: "ramp-2",
                    endpoints: [.glasses],
                    nativeUsers: ["qa@example.com"],
                    compatUsers: ["vip@example.com", "ops@example.com"],
                    unidentified: .native,
                    onChange: .migrate,
                    migrateWindow: .seconds(120)
                )
        )
    }

    @Test("only percentage is required; the rest take their documented defaults")
    func defaults() throws {
        let file = try decode("version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
        #expect(file.flags == [FlagDefinition(name: "native-transport", percentage: try #require(Percentage(hundredths: 500)))])
        let flag = file.flags[0]
        #expect(flag.description == "")
        #expect(flag.enabled)
        #expect(flag.salt == "native-transport")
        #expect(flag.endpoints == [.glasses, .app])
        #expect(flag.nativeUsers.isEmpty && flag.compatUsers.isEmpty)
        #expect(flag.unidentified == .compat)
        #expect(flag.onChange == .keep)
        #expect(flag.migrateWindow == .seconds(30))
    }

    @Test("the repository's flags.yaml is valid and starts native at 0 %")
    func repositoryDefault() throws {
        let bytes = try Array(Data(contentsOf: PackageFiles.root.appendingPathComponent("flags.yaml")))
        let file = try FlagFile.decode(bytes, file: "flags.yaml")
        let flag = try #require(file.flag(named: "native-transport"))
        #expect(flag.percentage == .zero)
        #expect(flag.enabled)
    }

    @Test("durations", arguments: [("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("2m", .seconds(120)), ("1h", .seconds(3600))])
    func durations(text: String, expected: Duration) throws {
        let file = try decode("version: 1\nflags:\n  f:\n    percentage: 1\n    migrate_window: \(text)\n")
        #expect(file.flags[0].migrateWindow == expected)
    }

    @Test("a misspelt key names the key it probably meant")
    func unknownKeySuggestion() {
        #expect(
            errors(
                """
                version: 1
                flags:
                  native-transport:
                    description: x
                    enabled: true
                    salt: s
                    percentge: 5
                """
            ) == [
                "flags.yaml:3:3: flag 'native-transport' is missing the required key 'percentage'",
                "flags.yaml:7:5: unknown key 'percentge'; did you mean 'percentage'?",
            ]
        )
    }

    @Test("every problem in a file is reported at once, in file order")
    func allErrors() {
        #expect(
            errors(
                """
                version: 2
                flags:
                  native-transport:
                    percentage: 100.5
                    enabled: yes
                    endpoints: [glasses, phone]
                    unidentified: natve
                    on_change: later
                    migrate_window: 30 seconds
                    users:
                      native: [a@x.io, b@x.io]
                      compat: [b@x.io]
                  other:
                    percentage: 1.234
                  third:
                    percentage: [1]
                  fourth:
                    percentage: -3
                    colour: blue
                """
            ) == [
                "flags.yaml:1:10: unsupported version 2; this Turnout reads version 1",
                "flags.yaml:4:17: percentage 100.5 is outside 0–100",
                "flags.yaml:5:14: 'enabled' must be true or false, found 'yes'",
                "flags.yaml:6:26: unknown endpoint 'phone'; expected one of 'glasses', 'app'",
                "flags.yaml:7:19: unknown stack 'natve'; did you mean 'native'?",
                "flags.yaml:8:16: unknown on_change policy 'later'; expected one of 'keep', 'migrate'",
                "flags.yaml:9:21: malformed duration '30 seconds' for 'migrate_window'; write it as 500ms, 30s or 2m",
                "flags.yaml:12:16: user 'b@x.io' is in both users.native (line 11) and users.compat; keep one",
                "flags.yaml:14:17: percentage 1.234 has more than two decimals; the finest step is 0.01",
                "flags.yaml:16:17: 'percentage' must be a number from 0 to 100, found a list",
                "flags.yaml:18:17: percentage -3 is outside 0–100",
                "flags.yaml:19:5: unknown key 'colour' in flag 'fourth'; expected one of 'description', 'enabled', 'percentage', 'salt', 'endpoints', 'users', 'unidentified', 'on_change', 'migrate_window', 'guard'",
            ]
        )
    }

    @Test("wrong types are named")
    func wrongTypes() {
        #expect(
            errors("version: one\nflags:\n  f:\n    percentage: '5'\n    endpoints: glasses\n    users: [a]\n") == [
                "flags.yaml:1:10: 'version' must be a whole number, found 'one'",
                "flags.yaml:4:17: 'percentage' must be a number from 0 to 100, found '5'",
                "flags.yaml:5:16: 'endpoints' must be a list, found 'glasses'",
                "flags.yaml:6:12: 'users' of flag 'f' must be a mapping, found a list",
            ]
        )
    }

    @Test("version and flags are required")
    func requiredTopLevel() {
        #expect(
            errors("flagz: {}\n") == [
                "flags.yaml:1:1: unknown key 'flagz'; did you mean 'flags'?",
                "flags.yaml:1:1: the file is missing the required key 'version'",
                "flags.yaml:1:1: the file is missing the required key 'flags'",
            ]
        )
    }

    @Test(
        "files that are not flag files at all get one clear error, never a crash",
        arguments: [
            ("", "flags.yaml:1:1: the file is empty; expected a YAML mapping"),
            ("   \n\n# only a comment\n", "flags.yaml:1:1: the file is empty; expected a YAML mapping"),
            ("- a\n- b\n", "flags.yaml:1:1: the top level must be a mapping, found a list"),
            ("just words\n", "flags.yaml:1:1: the top level must be a mapping, found 'just words'"),
            ("version: 1\nflags:\n\tf:\n", "flags.yaml:3:1: tab character where YAML expects spaces; indent with spaces"),
            ("version: 1\nflags:\n  f:\n    percentage: 1\n    percentage: 2\n", "flags.yaml:5:5: duplicate key 'percentage' (first at line 4)"),
            ("version: 1\nflags: {f: {percentage: 1}\n", "flags.yaml:3:1: YAML syntax error: did not find expected ',' or '}'"),
        ]
    )
    func notAFlagFile(text: String, expected: String) {
        #expect(errors(text) == [expected])
    }

    @Test("bytes that are not UTF-8 are located")
    func notUTF8() {
        let bytes = Array("version: 1\nflags:\n  caf".utf8) + [0xE9] + Array(": x\n".utf8)
        #expect(errors(bytes: bytes) == ["flags.yaml:3:6: the file is not valid UTF-8; save it as UTF-8"])
    }

    @Test("an empty flags mapping is valid: everyone on compat")
    func emptyFlags() throws {
        #expect(try decode("version: 1\nflags: {}\n").flags.isEmpty)
        #expect(try decode("version: 1\nflags:\n").flags.isEmpty)
    }
}
