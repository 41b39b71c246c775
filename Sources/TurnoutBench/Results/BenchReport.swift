/// Everything a run measured: what `--json` writes and the table is made from.
package struct BenchReport: Codable, Sendable {
    /// The workload.
    package var scenario: BenchScenario
    /// `--stack` as given, e.g. `both (3 rounds)`.
    package var plan: String
    /// The load parameters, e.g. `connections=100 size=100`.
    package var parameters: String
    /// Measured seconds per measurement.
    package var secondsPerMeasurement: Double
    /// Each measurement's results, in the order they ran.
    package var measurements: [[StackResult]]
    /// Per stack, the medians over the measurements (failure counts summed).
    package var summary: [StackResult]
    /// Things a reader must know: client CPU above server CPU, missing cross-checks.
    package var warnings: [String]
    /// `split:P` runs of the glasses and fanout scenarios: the stacks' shares per `/metrics`.
    package var split: SplitCheck?
    /// `--guard` runs: the spawned server's ramp guard at the end of the run, as one line.
    package var guardState: String?
    /// `--ramp` and `--churn` runs: the steps, the moves and the checks.
    package var ramp: RampResult?
    /// `--churn` runs: the server's resources at every step and whether they stayed flat.
    package var soak: SoakVerdict?

    /// Creates a report from every field (the runner builds it; tests build their own).
    package init(
        scenario: BenchScenario,
        plan: String,
        parameters: String,
        secondsPerMeasurement: Double,
        measurements: [[StackResult]],
        summary: [StackResult],
        warnings: [String],
        split: SplitCheck? = nil,
        ramp: RampResult? = nil
    ) {
        self.scenario = scenario
        self.plan = plan
        self.parameters = parameters
        self.secondsPerMeasurement = secondsPerMeasurement
        self.measurements = measurements
        self.summary = summary
        self.warnings = warnings
        self.split = split
        self.ramp = ramp
    }

    /// The warning of a split run, whose stacks share one server process; the HTML report
    /// says it in the note under its table instead.
    package static let sharedProcessWarning =
        "split: both stacks share one server process, so server CPU and RSS per connection are for the whole process"

    /// Whether a run loaded both stacks at once in one server (`split:P`), so that server and
    /// client figures are the whole process's rather than one stack's.
    package var sharesOneProcess: Bool { self.plan.hasPrefix("split") }

    /// Whether no measurement lost, reordered or failed anything, `/metrics` agreed, and a
    /// split's traffic matched the split.
    package var isClean: Bool {
        self.summary.allSatisfy(\.isClean) && (self.split?.isWithinTolerance ?? true) && (self.ramp?.isClean ?? true)
            && (self.soak?.isFlat ?? true)
    }

    /// The side-by-side table of ``summary``.
    package var table: String {
        ResultTable.render(
            compat: self.summary.first { $0.stack == .compat },
            native: self.summary.first { $0.stack == .native },
            audio: self.scenario == .glasses,
            traffic: self.scenario != .idle
        )
    }
}
