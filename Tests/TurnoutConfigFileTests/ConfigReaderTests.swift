import Testing

@testable import TurnoutConfigFile

@Suite("ConfigReader")
struct ConfigReaderTests {
    @Test(
        "durations",
        arguments: [
            ("500ms", Duration?.some(.milliseconds(500))), ("30s", .seconds(30)), ("2m", .seconds(120)), ("1h", .seconds(3600)), ("0s", .zero),
            ("30", nil), ("30 s", nil), ("-1s", nil), ("1.5s", nil), ("s", nil), ("ms", nil), ("9999999999s", nil), ("3d", nil),
        ]
    )
    func durations(text: String, expected: Duration?) {
        #expect(ConfigReader.parseDuration(text) == expected)
    }

    @Test(
        "durations print the way files spell them",
        arguments: [
            (Duration.milliseconds(500), "500ms"), (.seconds(30), "30s"), (.seconds(120), "2m"), (.seconds(7200), "2h"), (.zero, "0s"),
            (.milliseconds(1500), "1500ms"),
        ]
    )
    func durationFormatting(duration: Duration, text: String) {
        #expect(ConfigReader.formatDuration(duration) == text)
        #expect(ConfigReader.parseDuration(text) == duration)
    }

    @Test(
        "suggestions go to the closest key, and only when it is close",
        arguments: [
            ("percentge", "percentage"), ("Percentage", "percentage"), ("enabeld", "enabled"), ("salt", "salt"), ("colour", nil), ("x", nil),
        ] as [(String, String?)]
    )
    func suggestions(typo: String, expected: String?) {
        #expect(ConfigReader.closest(to: typo, in: ["description", "enabled", "percentage", "salt", "endpoints"]) == expected)
    }

    @Test("an error prints as FILE:LINE:COL: message; a set of errors prints in file order")
    func descriptions() {
        let late = ConfigFileError(
            .unknownKey,
            file: "flags.yaml",
            line: 7,
            column: 5,
            message: "unknown key 'percentge'; did you mean 'percentage'?"
        )
        let early = ConfigFileError(.invalidValue, file: "flags.yaml", line: 2, column: 3, message: "x")
        #expect(late.description == "flags.yaml:7:5: unknown key 'percentge'; did you mean 'percentage'?")
        #expect(
            ConfigFileErrors([late, early]).description == "flags.yaml:2:3: x\nflags.yaml:7:5: unknown key 'percentge'; did you mean 'percentage'?"
        )
        #expect(late.code == .unknownKey)
    }

    @Test("a watched file's state follows symlinks and tells missing from unreadable")
    func fileStates() throws {
        #expect(WatchedFileState.read(path: "/nonexistent/turnout/flags.yaml") == .missing)
        guard case .unreadable(let reason) = WatchedFileState.read(path: "/") else {
            Issue.record("a directory must be unreadable as a config file")
            return
        }
        #expect(reason == "not a regular file")
    }
}
