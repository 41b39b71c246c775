import TurnoutFlags

/// What a flag change does to synthetic users: the split now, and who moves which way.
///
/// The preview of `turnout flags simulate --to` and of `turnout flags ramp`. Synthetic ids are
/// `user0@example.com`, `user1@example.com`, … so runs are repeatable.
struct RampPreview {
    var flag: String
    var endpoint: Endpoint
    var users: Int
    /// The percentage in force now, as the current snapshot reports it.
    var current: Percentage
    /// Users per stack now.
    var counts: [Stack: Int]
    /// Users that would move from compat to native, and back, under the target.
    var toNative = 0
    var toCompat = 0
    /// The target's percentage; `nil` without a target.
    var target: Percentage?

    /// Decides every synthetic user under `current` and, when given, under `target`.
    init(flag: String, endpoint: Endpoint, users: Int, current snapshot: FlagSnapshot, target: FlagSnapshot?) {
        self.flag = flag
        self.endpoint = endpoint
        self.users = users
        self.current = snapshot.decide(userId: nil, endpoint: endpoint, flag: flag).percentage
        self.target = target?.decide(userId: nil, endpoint: endpoint, flag: flag).percentage
        var counts: [Stack: Int] = [.native: 0, .compat: 0]
        for index in 0..<users {
            let userId = "user\(index)@example.com"
            let now = snapshot.decide(userId: userId, endpoint: endpoint, flag: flag).stack
            counts[now, default: 0] += 1
            if let target {
                switch (now, target.decide(userId: userId, endpoint: endpoint, flag: flag).stack) {
                case (.compat, .native): toNative += 1
                case (.native, .compat): toCompat += 1
                default: break
                }
            }
        }
        self.counts = counts
    }

    /// The lines `simulate` prints: the split now and, with a target, the moves.
    var lines: [String] {
        var lines = ["\(flag) at \(current) % on \(endpoint), over \(users) synthetic users:"]
        for stack in [Stack.native, .compat] {
            lines.append("  \(stack)  \(counts[stack] ?? 0)  \(Self.share(counts[stack] ?? 0, of: users))")
        }
        if let target {
            lines.append("ramp to \(target) %:")
            lines.append("  compat → native  \(toNative)  \(Self.share(toNative, of: users))")
            lines.append("  native → compat  \(toCompat)  \(Self.share(toCompat, of: users))")
            if toNative > 0 && toCompat > 0 {
                lines.append("  note: users move both ways; the salt, pins or endpoints differ from a plain ramp")
            }
        }
        return lines
    }

    /// `(5.01 %)`.
    static func share(_ count: Int, of total: Int) -> String {
        let hundredths = (count * 10_000 + total / 2) / total
        return "(\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) %)"
    }

    /// `flag` in `snapshot` with its percentage set to `percentage` (added when missing).
    static func snapshot(_ snapshot: FlagSnapshot, setting flag: String, to percentage: Percentage, source: String) -> FlagSnapshot {
        var definition = snapshot.file.flag(named: flag) ?? FlagDefinition(name: flag, percentage: .zero)
        definition.percentage = percentage
        let flags = snapshot.file.flags.map { $0.name == flag ? definition : $0 }
        let all = snapshot.file.flag(named: flag) == nil ? flags + [definition] : flags
        return FlagSnapshot(file: FlagFile(flags: all), source: source)
    }
}
