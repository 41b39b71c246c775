import Foundation
import Testing

/// The confirmation question of `turnout flags ramp`, answered on a terminal: util-linux
/// `script` gives the command a pseudo-terminal and types the answer piped to it.
@Suite(
    "turnout flags ramp: confirmation on a terminal",
    .timeLimit(.minutes(1)),
    .disabled(if: !FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs util-linux script for a pseudo-terminal")
)
struct FlagsRampConfirmationTests {
    static func onTerminal(_ arguments: [String], answer: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        let command = ([TurnoutProcess.executable.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        process.arguments = ["-qec", command, "/dev/null"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(answer.utf8))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("y writes the step; anything else changes nothing and exits 1")
    func answers() throws {
        let text = "version: 1\nflags:\n  native-transport:\n    percentage: 5\n"
        let path = try TurnoutProcess.temporaryFile(text)
        let no = try Self.onTerminal(["flags", "ramp", "--file", path, "--to", "50", "--users", "10"], answer: "n\n")
        #expect(no.status == 1)
        #expect(no.output.contains("set native-transport to 50 % in \(path)? [y/N] not changed"))
        #expect(FileManager.default.contents(atPath: path) == Data(text.utf8))

        let yes = try Self.onTerminal(["flags", "ramp", "--file", path, "--to", "25", "--users", "10"], answer: "y\n")
        #expect(yes.status == 0)
        #expect(yes.output.contains("native-transport percentage set to 25"))
        #expect(FileManager.default.contents(atPath: path) == Data(text.replacingOccurrences(of: "5\n", with: "25\n").utf8))
    }
}
