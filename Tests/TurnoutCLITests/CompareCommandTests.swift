import Testing

@Suite("turnout compare: options and unreachable instances", .timeLimit(.minutes(1)))
struct CompareCommandTests {
    @Test("without --admin-url it exits 64 and says what to pass")
    func needsAnAdminURL() throws {
        let output = try TurnoutProcess.run(["compare"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("Name at least one --admin-url"))
    }

    @Test("an unknown window exits 64")
    func unknownWindow() throws {
        let output = try TurnoutProcess.run(["compare", "--admin-url", "http://127.0.0.1:9", "--window", "2m"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("--window must be 1m, 5m or 15m."))
    }

    @Test("an instance that does not answer is named under the table and the exit status is 1")
    func unreachableInstance() throws {
        // Port 9 (discard) on loopback: nothing listens there in CI, so the connection is refused.
        let output = try TurnoutProcess.run(["compare", "--admin-url", "http://127.0.0.1:9"])
        #expect(output.status == 1)
        #expect(output.stdout.hasPrefix("turnout compare · window 1m (0 s) · 1 instance(s)\n"))
        #expect(output.stdout.contains("unreadable: http://127.0.0.1:9/admin/compare: "))
    }
}
