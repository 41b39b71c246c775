import Foundation
import Testing

@Suite("turnout flags", .timeLimit(.minutes(1)))
struct FlagsCommandTests {
    static let flags = """
        version: 1
        flags:
          native-transport:
            percentage: 70.12
            users:
              native: [qa@example.com]
            on_change: migrate
            migrate_window: 2m
        """

    @Test("check: a valid file exits 0 with one summary line per flag")
    func checkValid() throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let output = try TurnoutProcess.run(["flags", "check", path])
        #expect(output.status == 0)
        #expect(
            output.stdout
                == "native-transport: enabled, 70.12 % native, salt native-transport, endpoints glasses+app, pinned 1 native / 0 compat, unidentified → compat, on_change migrate, migrate_window 2m, no guard\n"
        )
        #expect(output.stderr == "")
    }

    @Test("check: an invalid file exits 2 and writes every error to stderr")
    func checkInvalid() throws {
        let path = try TurnoutProcess.temporaryFile("version: 1\nflags:\n  native-transport:\n    percentge: 5\n    endpoints: [glases]\n")
        let output = try TurnoutProcess.run(["flags", "check", path])
        #expect(output.status == 2)
        #expect(output.stdout == "")
        #expect(
            output.stderr == """
                \(path):3:3: flag 'native-transport' is missing the required key 'percentage'
                \(path):4:5: unknown key 'percentge'; did you mean 'percentage'?
                \(path):5:17: unknown endpoint 'glases'; did you mean 'glasses'?

                """
        )
    }

    @Test("check: a missing file exits 2 with a located message")
    func checkMissing() throws {
        let output = try TurnoutProcess.run(["flags", "check", "/nonexistent/flags.yaml"])
        #expect(output.status == 2)
        #expect(output.stderr == "/nonexistent/flags.yaml:1:1: no such file\n")
    }

    @Test("explain: one human line per user, with the rule")
    func explainHuman() throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let output = try TurnoutProcess.run([
            "flags", "explain", "--file", path, "--user", "alice@example.com", "--user", "bob@example.com", "--user", "qa@example.com",
        ])
        #expect(output.status == 0)
        #expect(
            output.stdout == """
                alice@example.com → native (rollout: bucket 7011 < 7012)
                bob@example.com → compat (rollout: bucket 9009 ≥ 7012)
                qa@example.com → native (pinned-native)

                """
        )
    }

    @Test("explain --admin-url: the running instance decides, with the same lines as the file; a dead one is named")
    func explainFromInstance() async throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let server = try await ServeProcess.start(flagsPath: path)
        defer { server.running.send(SIGKILL) }
        let output = try TurnoutProcess.run([
            "flags", "explain", "--admin-url", server.adminURL, "--user", "alice@example.com", "--user", "bob@example.com", "--user",
            "qa@example.com",
        ])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(
            output.stdout == """
                alice@example.com → native (rollout: bucket 7011 < 7012)
                bob@example.com → compat (rollout: bucket 9009 ≥ 7012)
                qa@example.com → native (pinned-native)

                """
        )
        await server.stop()
        let dead = try TurnoutProcess.run(["flags", "explain", "--admin-url", "http://127.0.0.1:1", "--user", "alice@example.com"])
        #expect(dead.status == 1)
        #expect(dead.stderr.hasPrefix("turnout flags explain: http://127.0.0.1:1 does not answer"))
    }

    @Test("explain --json: one object per line, ids read from stdin")
    func explainJSON() throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let output = try TurnoutProcess.run(
            ["flags", "explain", "--file", path, "--endpoint", "app", "--users-from", "-", "--json"],
            stdin: "alice@example.com\n\n  bob@example.com  \n"
        )
        #expect(output.status == 0)
        #expect(
            output.stdout == """
                {"userId":"alice@example.com","flag":"native-transport","endpoint":"app","stack":"native","rule":"rollout","bucket":7011,"percentage":70.12}
                {"userId":"bob@example.com","flag":"native-transport","endpoint":"app","stack":"compat","rule":"rollout","bucket":9009,"percentage":70.12}

                """
        )
    }

    @Test("simulate: the split, and what a ramp step would move")
    func simulate() throws {
        let path = try TurnoutProcess.temporaryFile("version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
        let output = try TurnoutProcess.run(["flags", "simulate", "--file", path, "--users", "100000", "--to", "25"])
        #expect(output.status == 0)
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "native-transport at 5 % on glasses, over 100000 synthetic users:")
        #expect(lines.contains("ramp to 25 %:"))
        #expect(lines.contains("  native → compat  0  (0.00 %)"), "a plain ramp up moves nobody back")
        let native = try #require(lines.first { $0.hasPrefix("  native  ") })
        let moved = try #require(lines.first { $0.hasPrefix("  compat → native  ") })
        let nativeCount = try #require(Int(native.split(separator: " ")[1]))
        let movedCount = try #require(Int(moved.split(separator: " ")[3]))
        #expect(abs(nativeCount - 5_000) < 300)
        #expect(abs(movedCount - 20_000) < 600)
    }

    @Test(
        "bad usage exits 64 with a usage message, never a stack trace",
        arguments: [
            ["flags", "explain", "--file", "flags.yaml"],
            ["flags", "simulate", "--users", "0"],
            ["flags", "simulate", "--users", "10", "--to", "101"],
            ["flags", "explain", "--user", "a", "--endpoint", "phone"],
            ["flags", "frobnicate"],
        ]
    )
    func usageErrors(arguments: [String]) throws {
        let output = try TurnoutProcess.run(arguments)
        #expect(output.status == 64)
        #expect(output.stderr.contains("Usage: turnout"))
    }
}
