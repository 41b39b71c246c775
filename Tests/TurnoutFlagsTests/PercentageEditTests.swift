import Foundation
import Testing
import TurnoutConfigFile

@testable import TurnoutFlags

/// The in-place rewrite of `turnout flags ramp`: every byte but the percentage's stays.
@Suite("PercentageEdit")
struct PercentageEditTests {
    static func edit(_ text: String, to percentage: String, flag: String = FlagFile.nativeTransport) throws -> PercentageEdit {
        let value = try Percentage.parse(percentage).get()
        return try PercentageEdit(setting: value, ofFlag: flag, in: Array(text.utf8), file: "flags.yaml")
    }

    static let commented = """
        # Turnout flags: ramp 0 → 1 → 5 → 25 → 100
        version: 1   # the schema

        flags:
          # the transport split
          beta-feature:
            percentage: 5      # not this one
            salt: "beta"
          native-transport:
            description: 'Serve WebSocket connections on the native stack'
            enabled: true
            percentage: 5      # ramped by turnout flags ramp

            users:
              native: ["qa@example.com", 'dev@example.com']
            on_change: migrate
          "quoted-flag": {percentage: 7, salt: 'x'}

        """

    @Test("only the percentage's bytes change: comments, blank lines, order, other flags and quotes stay")
    func replaceKeepsEverythingElse() throws {
        let edit = try Self.edit(Self.commented, to: "25")
        #expect(!edit.inserted)
        #expect(edit.line == 12)
        let expected = Self.commented.replacingOccurrences(
            of: "percentage: 5      # ramped",
            with: "percentage: 25      # ramped"
        )
        #expect(String(decoding: edit.bytes, as: UTF8.self) == expected)
    }

    @Test("a flag in a flow mapping under a quoted key is edited in place too")
    func flowMapping() throws {
        let edit = try Self.edit(Self.commented, to: "0.5", flag: "quoted-flag")
        let expected = Self.commented.replacingOccurrences(of: "{percentage: 7,", with: "{percentage: 0.5,")
        #expect(String(decoding: edit.bytes, as: UTF8.self) == expected)
    }

    @Test("CRLF line endings stay CRLF, and a file without a final newline keeps none")
    func crlf() throws {
        let text = "version: 1\r\nflags:\r\n  native-transport:\r\n    percentage: 12.34\r\n    salt: s # c\r\n  other:\r\n    percentage: 1"
        let edit = try Self.edit(text, to: "100")
        #expect(String(decoding: edit.bytes, as: UTF8.self) == text.replacingOccurrences(of: "12.34", with: "100"))
        let last = try Self.edit(text, to: "2", flag: "other")
        #expect(String(decoding: last.bytes, as: UTF8.self) == text.dropLast() + "2")
    }

    @Test("a missing percentage is inserted as the flag's first key, at its indentation")
    func insertMissing() throws {
        let text = "version: 1\nflags:\n   native-transport:   # three spaces\n      # comment\n      enabled: true\n      salt: s\n"
        let edit = try Self.edit(text, to: "1")
        #expect(edit.inserted)
        #expect(
            String(decoding: edit.bytes, as: UTF8.self)
                == "version: 1\nflags:\n   native-transport:   # three spaces\n      # comment\n      percentage: 1\n      enabled: true\n      salt: s\n"
        )
        let crlf = try Self.edit("version: 1\r\nflags:\r\n  native-transport:\r\n    salt: s\r\n", to: "5")
        #expect(String(decoding: crlf.bytes, as: UTF8.self) == "version: 1\r\nflags:\r\n  native-transport:\r\n    percentage: 5\r\n    salt: s\r\n")
    }

    @Test("a flag with nothing under it gets the key on the next line, indented two more")
    func insertIntoEmptyFlag() throws {
        let edit = try Self.edit("version: 1\nflags:\n  native-transport:\n  other:\n    percentage: 3\n", to: "5")
        #expect(
            String(decoding: edit.bytes, as: UTF8.self) == "version: 1\nflags:\n  native-transport:\n    percentage: 5\n  other:\n    percentage: 3\n"
        )
        let atEnd = try Self.edit("version: 1\nflags:\n  native-transport:", to: "5")
        #expect(String(decoding: atEnd.bytes, as: UTF8.self) == "version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
    }

    @Test("what cannot be edited in place is refused with its location")
    func refusals() throws {
        #expect {
            try Self.edit("version: 1\nflags:\n  other:\n    percentage: 3\n", to: "5")
        } throws: { error in
            "\(error)" == "flags.yaml:3:3: there is no flag 'native-transport' under 'flags'; add it by hand first"
        }
        #expect {
            try Self.edit("version: 1\nflags:\n  native-transport:\n    percentage: '5'\n", to: "5")
        } throws: { error in
            "\(error)" == "flags.yaml:4:17: 'percentage' of flag 'native-transport' is not a plain number on one line; cannot edit it in place"
        }
        #expect {
            try Self.edit("version: 1\nflags:\n  native-transport: {salt: s}\n", to: "5")
        } throws: { error in
            "\(error)" == "flags.yaml:3:21: flag 'native-transport' is written as a flow mapping without 'percentage'; add the key by hand"
        }
    }
}
