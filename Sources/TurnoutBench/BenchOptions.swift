/// Everything one `turnout bench` run needs; the command line maps its options onto it.
///
/// Every field has the default the command documents, so `.init()` is a small echo run against a
/// spawned server on both stacks.
package struct BenchOptions: Sendable {
    /// Where the server comes from.
    package enum Target: Sendable {
        /// A server that is already running: its public WebSocket base URL (`ws://127.0.0.1:8002`),
        /// its admin base URL (`http://127.0.0.1:9090`), and its process id if known (for CPU/RSS).
        case url(public: String, admin: String, pid: Int32?)
        /// `turnout serve` started by the bench from `executable`, optionally pinned with
        /// `taskset -c serverCPUs`.
        case spawn(executable: String, serverCPUs: String?)
    }

    /// The workload. Default echo.
    package var scenario: BenchScenario
    /// The server. Default: spawn the current executable.
    package var target: Target
    /// Which stacks get load. Default `both` with 3 rounds.
    package var plan: StackPlan
    /// Measured time of the whole run, shared evenly by the measurements (`both` with 3 rounds
    /// makes 6 of them); at least 1 s each. Default 10 s.
    package var duration: Duration
    /// Echo and idle: connections. Default 100.
    package var connections: Int
    /// Echo and broadcast: message size in bytes (broadcast: at least
    /// ``BroadcastDriver/minimumSize``, the marker every message carries). Default 100.
    package var size: Int
    /// Glasses: users. Default 10. Fanout: publishers (users). Default 1.
    package var users: Int
    /// Glasses: apps per user. Default 2. Fanout and broadcast: subscribers per publisher.
    package var apps: Int
    /// Glasses: JSON events per user per second. Default 10.
    package var rate: Int
    /// Glasses: audio frames (640 B) per user per second. Default 50.
    package var audioRate: Int
    /// Fanout and broadcast: events a publisher may have outstanding (not yet at every
    /// subscriber). Default 32.
    package var window: Int
    /// Client event-loop threads. Default 2.
    package var threads: Int
    /// JWT secret for minting glasses tokens (`--url` only; spawned servers get a random one).
    package var jwtSecret: String?
    /// Port of the bench's webhook server (`--url` only; the server's apps.yaml must point at
    /// it). 0 picks a free port, which is right for `--spawn`. Default 0.
    package var webhookPort: Int
    /// Print a progress line on stderr once a second. Default true.
    package var progress: Bool
    /// Glasses on a spawned server: edit the flag through these steps under load and check that
    /// nothing is lost (`--ramp`); `nil` for an ordinary run. Default `nil`.
    package var ramp: RampPlan?
    /// The soak (`--churn`): the ramp's steps over and over, with users, apps and slow consumers
    /// churning, and the server's resources sampled after every step; needs ``ramp``. Default `nil`.
    package var soak: SoakPlan?
    /// Glasses: when an instance closes a user's sockets with 1001 (it is shutting down), reconnect
    /// through the same URL and start the apps again, measuring each move, instead of counting
    /// an error; the `/metrics` cross-check is skipped (a leaving instance takes its counters).
    /// For a cluster behind a balancer (scripts/cluster.sh). Default false.
    package var reconnect: Bool
    /// `--spawn` only: faults the spawned server injects (`turnout serve --inject-fault`), for
    /// ramp-guard drills. Default none.
    package var serverFaults: [String] = []
    /// `--spawn` only: the seed of those faults (`--fault-seed`). Default 0.
    package var faultSeed: UInt64 = 0
    /// `--spawn` only: a `guard:` block for the spawned server's native-transport flag, as
    /// `key=value,…` (`window=3s,min_samples=100`); `nil` for none. The run ends by reading the
    /// guard's state from `/admin/flags` into ``BenchReport/guardState``.
    package var serverGuard: String?

    /// Creates options; see each field for its default.
    package init(
        scenario: BenchScenario = .echo,
        target: Target = .spawn(executable: "/proc/self/exe", serverCPUs: nil),
        plan: StackPlan = .both(rounds: 3),
        duration: Duration = .seconds(10),
        connections: Int = 100,
        size: Int = 100,
        users: Int = 10,
        apps: Int = 2,
        rate: Int = 10,
        audioRate: Int = 50,
        window: Int = 32,
        threads: Int = 2,
        jwtSecret: String? = nil,
        webhookPort: Int = 0,
        progress: Bool = true,
        ramp: RampPlan? = nil,
        soak: SoakPlan? = nil,
        reconnect: Bool = false
    ) {
        self.scenario = scenario
        self.target = target
        self.plan = plan
        self.duration = duration
        self.connections = connections
        self.size = size
        self.users = users
        self.apps = apps
        self.rate = rate
        self.audioRate = audioRate
        self.window = window
        self.threads = threads
        self.jwtSecret = jwtSecret
        self.webhookPort = webhookPort
        self.progress = progress
        self.ramp = ramp
        self.soak = soak
        self.reconnect = reconnect
    }

    /// The measured time of one measurement: ``duration`` shared by all of them, at least 1 s.
    package var durationPerMeasurement: Duration {
        let count = max(1, self.plan.measurements.count)
        return max(.seconds(1), self.duration / count)
    }

    /// Checks the numbers are in range before anything starts.
    ///
    /// - Throws: ``BenchError/invalidOption(_:)`` naming the option.
    package func validate() throws(BenchError) {
        func check(_ ok: Bool, _ message: String) throws(BenchError) {
            if !ok { throw .invalidOption(message) }
        }
        try check((1...20_000).contains(self.connections), "--connections must be 1...20000")
        if case .url = self.target {
            try check(
                self.serverFaults.isEmpty && self.serverGuard == nil,
                "--server-fault and --guard configure a spawned server; they need --spawn"
            )
        }
        for pair in (self.serverGuard ?? "").split(separator: ",") {
            try check(
                pair.split(separator: "=").count == 2,
                "--guard takes key=value pairs separated by commas, such as window=3s,min_samples=100; got '\(pair)'"
            )
        }
        try check((1...1_000_000).contains(self.size), "--size must be 1...1000000 bytes")
        try check((1...5_000).contains(self.users), "--users must be 1...5000")
        try check((1...64).contains(self.apps), "--apps/--subscribers must be 1...64")
        try check(
            self.scenario != .broadcast || self.size >= BroadcastDriver.minimumSize,
            "--size must be at least \(BroadcastDriver.minimumSize) bytes for broadcast: every message carries its sequence number and send time"
        )
        try check((0...10_000).contains(self.rate), "--rate must be 0...10000 events per second")
        try check((0...1_000).contains(self.audioRate), "--audio-rate must be 0...1000 frames per second")
        try check((1...10_000).contains(self.window), "--window must be 1...10000")
        try check((1...64).contains(self.threads), "--threads must be 1...64")
        try check(self.duration <= .seconds(3600), "--duration must be at most 1 hour")
        if self.ramp != nil {
            try check(self.scenario == .glasses, "--ramp needs --scenario glasses: it edits the flag under the glasses workload")
            if case .url = self.target {
                throw .invalidOption("--ramp edits the spawned server's flags.yaml: use --spawn, not --url")
            }
            try check(
                self.users >= RampUsers.minimumUsers,
                "--ramp needs --users \(RampUsers.minimumUsers) or more: with U users the native share moves in steps of 100/U points, and each step must be within \(Int(RampPlan.tolerancePoints))"
            )
        }
        try check(self.soak == nil || self.ramp != nil, "--churn needs --ramp: the soak flips the flag through its steps")
        if case .split(let percent) = self.plan, self.scenario.usesCore {
            // Users, not messages, are split; too few cannot make the ratio the check expects.
            let native = StackPlan.splitNativeCount(users: self.users, nativePercent: percent)
            let share = 100 * Double(native) / Double(self.users)
            try check(
                abs(share - Double(percent)) <= SplitCheck.tolerancePoints,
                "--stack split:\(percent) with \(self.users) users puts \(native) on native (\(ResultTable.number(share, decimals: 1)) %), "
                    + "more than \(Int(SplitCheck.tolerancePoints)) points from \(percent) %; use --users 10 or more"
            )
        }
    }
}
