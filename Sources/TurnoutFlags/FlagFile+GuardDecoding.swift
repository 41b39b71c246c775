import TurnoutConfigFile

extension FlagFile {
    /// Reads a flag's `guard:` block; a `guard:` with nothing under it takes every default.
    static func decodeGuard(_ node: ConfigNode, flag: String, reader: inout ConfigReader) -> GuardPolicy? {
        var policy = GuardPolicy()
        if node.isNull { return policy }
        guard let fields = reader.mapping(node, allowedKeys: GuardPolicy.keys, what: "'guard' of flag '\(flag)'") else { return nil }
        if let node = fields["window"], let value = reader.duration(node, key: "guard.window") {
            if value < .seconds(1) || value > .seconds(3600) {
                reader.report(.invalidValue, "'guard.window' \(ConfigReader.formatDuration(value)) is outside 1s–1h", at: node)
            }
            policy.window = value
        }
        if let node = fields["min_samples"], let value = reader.integer(node, key: "guard.min_samples") {
            if !(1...10_000_000).contains(value) {
                reader.report(.invalidValue, "'guard.min_samples' \(value) is outside 1–10000000", at: node)
            }
            policy.minSamples = value
        }
        if let node = fields["consecutive"], let value = reader.integer(node, key: "guard.consecutive") {
            if !(1...100).contains(value) {
                reader.report(.invalidValue, "'guard.consecutive' \(value) is outside 1–100", at: node)
            }
            policy.consecutive = value
        }
        if let node = fields["abnormal_closes"], let value = ratio(node, key: "guard.abnormal_closes", reader: &reader) {
            policy.abnormalCloses = value
        }
        if let node = fields["handling_p99"], let value = ratio(node, key: "guard.handling_p99", reader: &reader) {
            policy.handlingP99 = value
        }
        if let node = fields["backpressure"], let value = ratio(node, key: "guard.backpressure", reader: &reader) {
            policy.backpressure = value
        }
        if let node = fields["action"], let value = reader.string(node, key: "guard.action") {
            if let action = GuardPolicy.Action(rawValue: value) {
                policy.action = action
            } else {
                reader.report(.invalidValue, unknownName("guard action", value, choices: GuardPolicy.Action.allCases.map(\.rawValue)), at: node)
            }
        }
        return policy
    }

    /// A ratio of native to compat: a plain number from 1 to 100 (below 1 would trip a healthy native).
    private static func ratio(_ node: ConfigNode, key: String, reader: inout ConfigReader) -> Double? {
        guard let text = reader.plainScalar(node, key: key, expected: "a ratio such as 2.0") else { return nil }
        guard let value = Double(text), value.isFinite else {
            reader.report(.wrongType, "'\(key)' must be a ratio such as 2.0, found '\(text)'", at: node)
            return nil
        }
        guard value >= 1, value <= 100 else {
            reader.report(.invalidValue, "'\(key)' \(text) is outside 1–100; native is compared with compat × this ratio", at: node)
            return nil
        }
        return value
    }
}
