import Foundation
import Testing

/// `turnout flags ramp`, run as an operator runs it; the instances are real `turnout serve`
/// processes on ephemeral loopback ports. Nothing sleeps: the tests wait on what the processes print.
@Suite("turnout flags ramp", .timeLimit(.minutes(2)))
struct FlagsRampCommandTests {
    static let flags = """
        # ramp log: 1 → 5
        version: 1

        flags:
          native-transport:
            description: "the split"   # quoted
            percentage: 5              # ramped by turnout flags ramp
            users:
              native: ['qa@example.com']
          other:
            percentage: 50

        """

    static func contents(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    @Test("--yes: previews, rewrites only the percentage's text, keeps the mode and says so")
    func oneStep() throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        #expect(chmod(path, 0o600) == 0)
        let output = try TurnoutProcess.run(["flags", "ramp", "--file", path, "--to", "25", "--yes", "--users", "10000"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(Self.contents(path) == Self.flags.replacingOccurrences(of: "percentage: 5      ", with: "percentage: 25      "))
        #expect(output.stdout.hasPrefix("native-transport at 5 % on glasses, over 10000 synthetic users:\n"))
        #expect(output.stdout.contains("ramp to 25 %:\n  compat → native  "))
        #expect(output.stdout.contains("  native → compat  0  (0.00 %)\n"))
        #expect(output.stdout.contains("\(path): native-transport percentage set to 25 (sha256 "))
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)

        let back = try TurnoutProcess.run(["flags", "ramp", "--file", path, "--to", "0", "--yes", "--users", "100"])
        #expect(back.status == 0)
        #expect(Self.contents(path) == Self.flags.replacingOccurrences(of: "percentage: 5      ", with: "percentage: 0      "))
    }

    @Test("without --yes and without a terminal it refuses, says why and changes nothing")
    func nonInteractiveRefusal() throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let output = try TurnoutProcess.run(["flags", "ramp", "--file", path, "--to", "25", "--users", "100"], stdin: "y\n")
        #expect(output.status == 1)
        #expect(
            output.stderr
                == "turnout flags ramp: standard input is not a terminal, so nobody can confirm; pass --yes to set native-transport to 25 % in \(path) without asking\n"
        )
        #expect(Self.contents(path) == Self.flags)
    }

    @Test("an invalid file is refused with every located error, and left alone")
    func invalidFile() throws {
        let text = "version: 1\nflags:\n  native-transport:\n    percentage: 5\n    endpoints: [glases]\n"
        let path = try TurnoutProcess.temporaryFile(text)
        let output = try TurnoutProcess.run(["flags", "ramp", "--file", path, "--to", "25", "--yes"])
        #expect(output.status == 2)
        #expect(output.stderr == "\(path):5:17: unknown endpoint 'glases'; did you mean 'glasses'?\n")
        #expect(output.stdout == "")
        #expect(Self.contents(path) == text)
    }

    @Test("a flag without a percentage gets the key; the preview counts it as 0 %")
    func insertsMissingKey() throws {
        let path = try TurnoutProcess.temporaryFile("version: 1\nflags:\n  native-transport:\n    salt: s\n")
        let output = try TurnoutProcess.run(["flags", "ramp", "--file", path, "--to", "1", "--yes", "--users", "100"])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.hasPrefix("native-transport at 0 % on glasses"))
        #expect(output.stdout.contains("native-transport percentage added as 1"))
        #expect(Self.contents(path) == "version: 1\nflags:\n  native-transport:\n    percentage: 1\n    salt: s\n")
    }

    @Test("--admin-url waits until every instance serves the new file; one that never does is named")
    func waitsForInstances() async throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let server = try await ServeProcess.start(flagsPath: path)
        defer { server.running.send(SIGKILL) }
        let applied = try TurnoutProcess.run([
            "flags", "ramp", "--file", path, "--to", "25", "--yes", "--users", "100", "--admin-url", server.adminURL,
        ])
        #expect(applied.status == 0, "\(applied.stderr)")
        #expect(applied.stdout.hasSuffix("all 1 instance(s) serve native-transport at 25 % from the new file\n"))

        let closed = "http://127.0.0.1:1"
        let partly = try TurnoutProcess.run([
            "flags", "ramp", "--file", path, "--to", "30", "--yes", "--users", "100", "--admin-url", server.adminURL, "--admin-url", closed,
            "--timeout", "3s",
        ])
        #expect(partly.status == 1)
        #expect(
            partly.stderr.contains("turnout flags ramp: \(closed) did not apply native-transport at 30 % within 3s: does not answer")
        )
        #expect(partly.stderr.hasSuffix("turnout flags ramp: 1 of 2 instance(s) did not apply the change: \(closed)\n"))
        #expect(!partly.stderr.contains(server.adminURL))
        await server.stop()
    }

    @Test("--plan walks the steps, holding each with a progress line, and finishes at the last")
    func plan() async throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let server = try await ServeProcess.start(flagsPath: path)
        defer { server.running.send(SIGKILL) }
        let output = try TurnoutProcess.run([
            "flags", "ramp", "--file", path, "--plan", "1,25", "--hold", "200ms", "--interval", "50ms", "--yes", "--users", "100",
            "--admin-url", server.adminURL,
        ])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("step 1/2  1 %  hold ") && $0.hasSuffix("no connections  guard n/a (no guard: block)") })
        #expect(lines.contains { $0.hasPrefix("step 2/2  25 %  hold 0ms left") })
        #expect(lines.last == "plan complete: native-transport at 25 % on every instance")
        #expect(Self.contents(path).contains("percentage: 25              # ramped"))
        await server.stop()
    }

    @Test("a guard that trips on an instance during a hold sets 0, names the instance and the trip, and exits 1")
    func planStopsOnATrip() async throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let instance = try await FakeAdminInstance.start(flagsPath: path)
        let ramp = try RunningProcess([
            "flags", "ramp", "--file", path, "--plan", "10,50", "--hold", "1m", "--interval", "50ms", "--yes", "--users", "100",
            "--admin-url", instance.url, "--timeout", "5s",
        ])
        let held = await ramp.line { $0.hasPrefix("step 1/2  10 %  hold") }
        #expect(held?.hasSuffix("native (25.00 %) of 4 connections  guard green on 1/1") == true, "\(held ?? "")")
        instance.trip()
        let output = await ramp.finish()
        #expect(output.status == 1)
        #expect(
            output.stderr.contains(
                "turnout flags ramp: step 1/2: the ramp guard tripped on \(instance.url): abnormal_closes native 0.9 compat 0 per connection-minute "
                    + "(p = 1e-09, 400/400 samples) at 2026-11-30T12:00:00.000Z"
            ),
            "\(output.stderr)"
        )
        #expect(Self.contents(path).contains("percentage: 0 "))
        await instance.stop()
    }

    @Test("an instance that stops answering during a hold sets 0, says why and exits 1")
    func planRollsBack() async throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let steady = try await ServeProcess.start(flagsPath: path)
        let doomed = try await ServeProcess.start(flagsPath: path)
        defer {
            steady.running.send(SIGKILL)
            doomed.running.send(SIGKILL)
        }
        let ramp = try RunningProcess([
            "flags", "ramp", "--file", path, "--plan", "10,50", "--hold", "1m", "--interval", "50ms", "--yes", "--users", "100",
            "--admin-url", steady.adminURL, "--admin-url", doomed.adminURL, "--timeout", "2s",
        ])
        _ = await ramp.line { $0.hasPrefix("step 1/2  10 %  hold") }
        await doomed.stop()
        let output = await ramp.finish()
        #expect(output.status == 1)
        #expect(output.stderr.contains("turnout flags ramp: step 1/2: \(doomed.adminURL) does not answer"))
        #expect(output.stderr.contains("turnout flags ramp: rolling native-transport back to 0 %"))
        #expect(output.stderr.hasSuffix("set to 0 %; 1 of 2 instance(s) confirmed it\n"))
        #expect(Self.contents(path).contains("percentage: 0              # ramped"))
        await steady.stop()
    }

    @Test("Ctrl-C during a hold leaves the current step in place and says so")
    func planInterrupted() async throws {
        let path = try TurnoutProcess.temporaryFile(Self.flags)
        let server = try await ServeProcess.start(flagsPath: path)
        defer { server.running.send(SIGKILL) }
        let ramp = try RunningProcess([
            "flags", "ramp", "--file", path, "--plan", "10,50", "--hold", "1m", "--interval", "50ms", "--yes", "--users", "100",
            "--admin-url", server.adminURL,
        ])
        _ = await ramp.line { $0.hasPrefix("step 1/2  10 %  hold") }
        ramp.send(SIGINT)
        let output = await ramp.finish()
        #expect(output.status == 130)
        #expect(output.stdout.hasSuffix("interrupted during step 1/2: native-transport stays at 10 % in \(path); the plan did not continue"))
        #expect(Self.contents(path).contains("percentage: 10              # ramped"))
        await server.stop()
    }
}
