import Testing

/// `turnout bench --ramp` and `--churn` refuse what they cannot run before anything starts, with
/// one line naming the option: exit 64 for a combination of options the command refuses, exit 2
/// for values the run refuses (as every other `turnout bench` option).
@Suite("turnout bench: ramp and soak options")
struct BenchRampOptionsTests {
    @Test(
        "combinations the command refuses: a usage error",
        arguments: [
            (["--ramp", "0,100", "--stack", "native"], "--ramp sets the split itself, step by step; drop --stack"),
            (["--ramp", "0,100", "--duration", "10s"], "--ramp lasts (steps) × --every; drop --duration"),
            (["--ramp", "0,100", "--reconnect"], "--ramp runs on one spawned server, --reconnect on a cluster behind a balancer; drop one"),
            (["--ramp", "0,100", "--every", "500ms"], "--every must be at least 1s: a step must leave time for its moves (got 0.5 seconds)"),
            (["--ramp", "0,1000"], "--ramp: step 2 ('1000') is not a whole percentage from 0 to 100; write e.g. --ramp 0,25,50,100,50,0"),
            (["--every", "5s"], "--every needs --ramp"),
            (["--migrate-window", "1s"], "--migrate-window needs --ramp"),
            (["--churn"], "--churn needs --ramp: the soak flips the flag through its steps"),
            (["--samples", "s.csv"], "--samples needs --churn"),
            (["--ramp", "0,100", "--churn", "--duration", "30s"], "--churn needs --duration of at least 1m: the warm-up alone is 60 s"),
        ]
    )
    func usage(arguments: [String], message: String) throws {
        let output = try TurnoutProcess.run(["bench", "--scenario", "glasses"] + arguments)
        #expect(output.status == 64)
        #expect(output.stderr.split(separator: "\n").first.map(String.init) == "Error: \(message)")
    }

    @Test(
        "values the run refuses before it starts anything",
        arguments: [
            (["--scenario", "echo", "--ramp", "0,100"], "--ramp needs --scenario glasses: it edits the flag under the glasses workload"),
            (
                ["--scenario", "glasses", "--ramp", "0,100", "--url", "ws://127.0.0.1:1"],
                "--ramp edits the spawned server's flags.yaml: use --spawn, not --url"
            ),
            (
                ["--scenario", "glasses", "--ramp", "0,100", "--users", "10"],
                "--ramp needs --users 20 or more: with U users the native share moves in steps of 100/U points, and each step must be within 5"
            ),
        ]
    )
    func refused(arguments: [String], message: String) throws {
        let output = try TurnoutProcess.run(["bench", "--quiet"] + arguments)
        #expect(output.status == 2)
        #expect(output.stderr == "turnout bench: \(message)\n")
        #expect(output.stdout == "")
    }
}
