public import TurnoutConfigFile

extension FlagFile {
    /// The keys a flag may carry, in the order the docs list them.
    static let flagKeys = [
        "description", "enabled", "percentage", "salt", "endpoints", "users", "unidentified", "on_change", "migrate_window", "guard",
    ]

    /// Parses and validates flags.yaml.
    ///
    /// This is the one place flag-file defaults are applied.
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - file: The path to name in errors.
    /// - Throws: ``ConfigFileErrors`` listing every problem, each as `FILE:LINE:COL: message`.
    public static func decode(_ bytes: [UInt8], file: String) throws(ConfigFileErrors) -> FlagFile {
        try ConfigReader.decodeDocument(bytes, file: file, kind: "flags", decode(root:reader:))
    }

    private static func decode(root: ConfigNode, reader: inout ConfigReader) -> FlagFile? {
        guard let top = reader.mapping(root, allowedKeys: ["version", "flags"], what: "the top level") else { return nil }
        let isVersion1 = reader.readVersion1(in: top, root: root)
        var flags: [FlagDefinition] = []
        if let node = top["flags"] {
            if node.isNull {
                // `flags:` with nothing under it: no flags, everyone on compat.
            } else if let named = reader.namedMapping(node, what: "'flags'") {
                for entry in named.entries {
                    if let flag = decodeFlag(name: entry.key, keyNode: entry.keyNode, node: entry.value, reader: &reader) {
                        flags.append(flag)
                    }
                }
            }
        } else {
            reader.reportMissing("flags", at: root, what: "the file")
        }
        guard isVersion1 else { return nil }
        return FlagFile(version: 1, flags: flags)
    }

    private static func decodeFlag(name: String, keyNode: ConfigNode, node: ConfigNode, reader: inout ConfigReader) -> FlagDefinition? {
        let what = "flag '\(name)'"
        guard let fields = reader.mapping(node, allowedKeys: flagKeys, what: what) else { return nil }
        let errorsBefore = reader.errors.count
        var flag = FlagDefinition(name: name, percentage: .zero)

        if let node = fields["percentage"] {
            if let percentage = percentage(node, reader: &reader) {
                flag.percentage = percentage
            }
        } else {
            reader.reportMissing("percentage", at: keyNode, what: what)
        }
        if let node = fields["description"], let value = reader.string(node, key: "description") {
            flag.description = value
        }
        if let node = fields["enabled"], let value = reader.bool(node, key: "enabled") {
            flag.enabled = value
        }
        if let node = fields["salt"], let value = reader.string(node, key: "salt") {
            if value.isEmpty {
                reader.report(.invalidValue, "'salt' must not be empty; leave it out to use the flag's name", at: node)
            }
            flag.salt = value
        }
        if let node = fields["endpoints"], let values = reader.stringList(node, key: "endpoints") {
            flag.endpoints = []
            for (value, node) in values {
                if let endpoint = Endpoint(rawValue: value) {
                    flag.endpoints.insert(endpoint)
                } else {
                    reader.report(.invalidValue, unknownName("endpoint", value, choices: Endpoint.allCases.map(\.rawValue)), at: node)
                }
            }
        }
        if let node = fields["users"] {
            decodeUsers(node, into: &flag, reader: &reader)
        }
        if let node = fields["unidentified"], let value = reader.string(node, key: "unidentified") {
            if let stack = Stack(rawValue: value) {
                flag.unidentified = stack
            } else {
                reader.report(.invalidValue, unknownName("stack", value, choices: Stack.allCases.map(\.rawValue)), at: node)
            }
        }
        if let node = fields["on_change"], let value = reader.string(node, key: "on_change") {
            if let policy = FlagDefinition.ChangePolicy(rawValue: value) {
                flag.onChange = policy
            } else {
                reader.report(
                    .invalidValue,
                    unknownName("on_change policy", value, choices: FlagDefinition.ChangePolicy.allCases.map(\.rawValue)),
                    at: node
                )
            }
        }
        if let node = fields["migrate_window"], let value = reader.duration(node, key: "migrate_window") {
            flag.migrateWindow = value
        }
        if let node = fields["guard"] {
            if name == nativeTransport {
                flag.guardPolicy = decodeGuard(node, flag: name, reader: &reader)
            } else {
                // The guard compares the stacks, and only native-transport chooses them.
                let keyNode = fields.entries.first { $0.key == "guard" }?.keyNode ?? node
                reader.report(.invalidValue, "'guard' applies only to '\(nativeTransport)', the flag that chooses the stack", at: keyNode)
            }
        }
        return reader.errors.count == errorsBefore ? flag : nil
    }

    private static func decodeUsers(_ node: ConfigNode, into flag: inout FlagDefinition, reader: inout ConfigReader) {
        guard let users = reader.mapping(node, allowedKeys: ["native", "compat"], what: "'users' of flag '\(flag.name)'") else { return }
        var nativeLines: [String: Int] = [:]
        if let node = users["native"], let values = reader.stringList(node, key: "users.native") {
            flag.nativeUsers = values.map(\.value)
            for (value, node) in values where nativeLines[value] == nil {
                nativeLines[value] = node.line ?? 0
            }
        }
        if let node = users["compat"], let values = reader.stringList(node, key: "users.compat") {
            flag.compatUsers = values.map(\.value)
            for (value, node) in values {
                // String equality is canonical equivalence, so an NFD and an NFC spelling collide here too.
                if let line = nativeLines[value] {
                    reader.report(
                        .invalidValue,
                        "user '\(value)' is in both users.native (line \(line)) and users.compat; keep one",
                        at: node
                    )
                }
            }
        }
    }

    private static func percentage(_ node: ConfigNode, reader: inout ConfigReader) -> Percentage? {
        guard let text = reader.plainScalar(node, key: "percentage", expected: "a number from 0 to 100") else { return nil }
        switch Percentage.parse(text) {
        case .success(let value):
            return value
        case .failure(.notANumber):
            reader.report(.wrongType, "'percentage' must be a number from 0 to 100, found '\(text)'", at: node)
        case .failure(.tooManyDecimals):
            reader.report(.invalidValue, "percentage \(text) has more than two decimals; the finest step is 0.01", at: node)
        case .failure(.outOfRange):
            reader.report(.invalidValue, "percentage \(text) is outside 0–100", at: node)
        }
        return nil
    }

    static func unknownName(_ kind: String, _ value: String, choices: [String]) -> String {
        if let suggestion = ConfigReader.closest(to: value, in: choices) {
            return "unknown \(kind) '\(value)'; did you mean '\(suggestion)'?"
        }
        return "unknown \(kind) '\(value)'; expected one of \(choices.map { "'\($0)'" }.joined(separator: ", "))"
    }
}
