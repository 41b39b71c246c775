import ArgumentParser
import Dispatch
import Foundation
import TurnoutConfigFile
import TurnoutFlags

#if canImport(Glibc)
import Glibc
#endif

/// `turnout flags ramp`: changes one flag's percentage in flags.yaml in place, one step or a
/// held plan, and waits for the servers to apply it.
struct FlagsRampCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ramp",
        abstract: "Set a flag's percentage in flags.yaml in place (one step, or a held plan) and wait for the servers.",
        discussion: """
            Validates the file, prints the `simulate` preview, asks for confirmation (unless --yes),
            then rewrites only the percentage's text, atomically; comments and formatting stay.
            `--to 0` is the rollback. With --admin-url (one per instance) it waits until every
            instance serves the new file. --plan 1,5,25,50,100 --hold 15m walks the steps, holding
            each while every instance keeps answering with it and its ramp guard (a guard: block)
            stays green; an instance that stops answering or whose guard trips sets 0, says why
            and exits 1; Ctrl-C leaves the current step in place.
            Exit status: 0 done, 1 refused or not applied everywhere, 2 invalid file, 130 interrupted.
            """
    )

    @Option(help: "The flag file.")
    var file = "flags.yaml"

    @Option(help: "The flag to ramp.")
    var flag = FlagFile.nativeTransport

    @Option(help: "The new percentage (0 to 100, two decimals); 0 is the rollback.")
    var to: String?

    @Option(help: "A plan: comma-separated percentages to walk, e.g. 1,5,25,50,100 (needs --admin-url).")
    var plan: String?

    @Option(help: "With --plan: how long each step is held, e.g. 15m.")
    var hold = "15m"

    @Option(help: "With --plan: how often instances are asked during a hold (one progress line each time).")
    var interval = "10s"

    @Option(name: .customLong("admin-url"), help: "An instance's admin base URL, e.g. http://10.0.0.5:9090; repeat for each.")
    var adminURLs: [String] = []

    @Option(help: "How long to wait for every instance to apply a step, e.g. 30s.")
    var timeout = "30s"

    @Option(help: "The endpoint of the preview: glasses or app.")
    var endpoint = Endpoint.glasses

    @Option(help: "Synthetic users in the preview.")
    var users = 100_000

    @Flag(help: "Write without asking for confirmation.")
    var yes = false

    func validate() throws {
        guard (to == nil) != (plan == nil) else { throw ValidationError("Give either --to P (one step) or --plan P1,P2,… (a held plan).") }
        if let to { _ = try Self.percentage(to, option: "--to") }
        if let plan {
            guard !adminURLs.isEmpty else { throw ValidationError("--plan needs --admin-url for every instance: the hold watches them.") }
            _ = try plan.split(separator: ",", omittingEmptySubsequences: false).map { try Self.percentage(String($0), option: "--plan") }
        }
        for (option, text) in [("--timeout", timeout), ("--hold", hold), ("--interval", interval)] where Self.duration(text) == nil {
            throw ValidationError("\(option) '\(text)' is not a duration such as 250ms, 30s or 15m.")
        }
        guard (1...100_000_000).contains(users) else { throw ValidationError("--users must be between 1 and 100,000,000, got \(users).") }
    }

    func run() async throws {
        let token = ProcessInfo.processInfo.environment["TURNOUT_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let ramp = FlagRamp(
            path: file,
            flag: flag,
            instances: adminURLs.map { AdminInstance(url: $0, token: token) },
            timeout: Self.duration(timeout) ?? .seconds(30)
        )
        let steps = try (plan?.split(separator: ",") ?? []).map { step in try Self.percentage(String(step), option: "--plan") }
        let first = try to.map { try Self.percentage($0, option: "--to") } ?? steps.last ?? .zero
        let prepared = try Self.refusing { () throws(FlagRamp.Refusal) in try ramp.prepare(to: first) }
        let preview = RampPreview(flag: flag, endpoint: endpoint, users: users, current: prepared.current, target: prepared.target)
        for line in preview.lines { Self.say(line) }
        let action = plan.map { "walk the plan \($0) on \(flag), holding each step \(hold)" } ?? "set \(flag) to \(first) % in \(file)"
        try confirm(action)
        if !steps.isEmpty {
            try await runPlan(ramp: ramp, steps: steps)
            return
        }
        try Self.refusing { () throws(FlagRamp.Refusal) in try ramp.write(prepared) }
        Self.say("\(file): \(flag) percentage \(prepared.inserted ? "added as" : "set to") \(first) (sha256 \(prepared.sha256))")
        try await waitOrFail(ramp: ramp, percentage: first, sha256: prepared.sha256)
    }

    /// Asks on stdin, unless `--yes`; refuses when nobody can answer.
    private func confirm(_ action: String) throws {
        if yes { return }
        guard isatty(STDIN_FILENO) == 1 else {
            StandardError.write(
                "turnout flags ramp: standard input is not a terminal, so nobody can confirm; pass --yes to \(action) without asking\n"
            )
            throw ExitCode(1)
        }
        Self.say("\(action)? [y/N] ", terminator: "")
        guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased().trimmingCharacters(in: .whitespaces)) else {
            Self.say("not changed")
            throw ExitCode(1)
        }
    }

    private func waitOrFail(ramp: FlagRamp, percentage: Percentage, sha256: String) async throws {
        guard !ramp.instances.isEmpty else { return }
        let late = await ramp.waitForInstances(percentage: percentage, sha256: sha256)
        guard late.isEmpty else {
            for (instance, reason) in late {
                StandardError.write("turnout flags ramp: \(instance.url) did not apply \(flag) at \(percentage) % within \(timeout): \(reason)\n")
            }
            let names = late.map(\.instance.url).joined(separator: ", ")
            StandardError.write("turnout flags ramp: \(late.count) of \(ramp.instances.count) instance(s) did not apply the change: \(names)\n")
            throw ExitCode(1)
        }
        Self.say("all \(ramp.instances.count) instance(s) serve \(flag) at \(percentage) % from the new file")
    }

    private func runPlan(ramp: FlagRamp, steps: [Percentage]) async throws {
        let runner = RampPlanRunner(
            ramp: ramp,
            steps: steps,
            hold: Self.duration(hold) ?? .seconds(900),
            interval: Self.duration(interval) ?? .seconds(10),
            clock: ContinuousClock(),
            output: { line in Self.say(line) }
        )
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let task = Task { await runner.run() }
        interrupt.setEventHandler { task.cancel() }
        interrupt.resume()
        let outcome = await task.value
        interrupt.cancel()
        switch outcome {
        case .completed:
            Self.say("plan complete: \(flag) at \(steps.last ?? .zero) % on every instance")
        case .interrupted(let step, let inForce):
            let state = inForce.map { "\(flag) stays at \($0) %" } ?? "nothing was changed"
            Self.say("interrupted during step \(step + 1)/\(steps.count): \(state) in \(file); the plan did not continue")
            throw ExitCode(130)
        case .aborted(let reason):
            StandardError.write("turnout flags ramp: \(reason)\n")
            StandardError.write("turnout flags ramp: rolling \(flag) back to 0 %\n")
            try Self.refusing { () throws(FlagRamp.Refusal) in try ramp.write(try ramp.prepare(to: .zero)) }
            let late = await ramp.waitForInstances(percentage: .zero, sha256: nil)
            let answered = ramp.instances.count - late.count
            StandardError.write("turnout flags ramp: \(file) set to 0 %; \(answered) of \(ramp.instances.count) instance(s) confirmed it\n")
            throw ExitCode(1)
        }
    }

    /// Writes to stdout at once (unbuffered), so progress shows while a plan runs, even in a pipe.
    static func say(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    /// Runs `body`, printing a refusal to stderr and exiting with its status.
    private static func refusing<T>(_ body: () throws(FlagRamp.Refusal) -> T) throws -> T {
        do {
            return try body()
        } catch {
            StandardError.write(error.message + "\n")
            throw ExitCode(error.status)
        }
    }

    private static func percentage(_ text: String, option: String) throws -> Percentage {
        switch Percentage.parse(text.trimmingCharacters(in: .whitespaces)) {
        case .success(let value): return value
        case .failure(let error): throw ValidationError("\(option) \(text): \(FlagsSimulateCommand.describe(error))")
        }
    }

    private static func duration(_ text: String) -> Duration? {
        ConfigReader.parseDuration(text).flatMap { $0 > .zero ? $0 : nil }
    }
}
