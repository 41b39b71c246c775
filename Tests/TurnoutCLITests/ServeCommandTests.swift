import Testing

@Suite("turnout serve: settings are checked before anything starts")
struct ServeCommandTests {
    @Test(
        "a thread count out of range exits 64 naming the range",
        arguments: [
            (["serve", "--dev", "--threads", "0"], [String: String]()),
            (["serve", "--dev"], ["TURNOUT_THREADS": "257"]),
        ]
    )
    func threadsOutOfRange(arguments: [String], environment: [String: String]) throws {
        let output = try TurnoutProcess.run(arguments, environment: environment)
        #expect(output.status == 64)
        let got = environment.isEmpty ? 0 : 257
        #expect(output.stderr.contains("The thread count must be between 1 and 256, got \(got)."))
    }

    @Test("TURNOUT_THREADS that is not a number exits 64 quoting it")
    func threadsNotANumber() throws {
        let output = try TurnoutProcess.run(["serve", "--dev"], environment: ["TURNOUT_THREADS": "two"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("TURNOUT_THREADS=two is not a whole number."))
    }

    @Test("a max message size beyond 1 GiB is refused before any connection could trap NIO's decoder")
    func maxMessageSizeBounded() throws {
        let output = try TurnoutProcess.run(["serve", "--dev", "--max-message-size", "5000000000"])
        #expect(output.status == 64)
        #expect(output.stderr.contains("The max message size must be between 1024 and 1073741824 bytes (1 GiB), got 5000000000."))
    }
}
