import TurnoutConfigFile

/// What changed between two flag files, key by key, for the reload history and the
/// `flags loaded` log line.
///
/// Every key of flags.yaml is compared after defaults are applied, so writing a default out
/// (`enabled: true`) is no change, while any change that affects decisions or migration is one:
/// `percentage`, `enabled`, `salt`, `endpoints`, `users.native`, `users.compat`,
/// `unidentified`, `on_change`, `migrate_window`, `description` and the `guard:` block (a guard
/// added or removed is `guard: none → on`; each of its keys otherwise, `guard.window: 60s → 5s`),
/// so any saved change to the guard re-arms it and shows in the history. A flag that appears or
/// goes is one change. Each change reads like `native-transport.percentage: 5 → 25`.
package struct FlagFileDiff: Sendable, Hashable {
    /// One changed key.
    package struct Change: Sendable, Hashable, CustomStringConvertible {
        /// The flag's name.
        package var flag: String
        /// The key within the flag, dotted (`users.native`); `nil` when the whole flag was added or removed.
        package var key: String?
        /// The value before, as written in flags.yaml; `nil` for an added flag.
        package var old: String?
        /// The value after; `nil` for a removed flag.
        package var new: String?

        /// `native-transport.percentage: 5 → 25`, `beta: added (percentage 1)`, `beta: removed`.
        package var description: String {
            switch (key, old, new) {
            case (.some(let key), let old, let new):
                "\(flag).\(key): \(old ?? "") → \(new ?? "")"
            case (nil, nil, let new):
                "\(flag): added" + (new.map { " (\($0))" } ?? "")
            case (nil, .some, _):
                "\(flag): removed"
            }
        }
    }

    /// The changes: flags in the new file's order (removed ones after), keys in the documented order.
    package var changes: [Change]

    /// Compares `old` with `new`.
    package init(from old: FlagFile, to new: FlagFile) {
        var changes: [Change] = []
        for flag in new.flags {
            guard let before = old.flag(named: flag.name) else {
                changes.append(Change(flag: flag.name, key: nil, old: nil, new: "percentage \(flag.percentage)"))
                continue
            }
            let previous = Self.fields(of: before) + Self.guardFields(of: before, comparedWith: flag)
            for (key, value) in Self.fields(of: flag) + Self.guardFields(of: flag, comparedWith: before) {
                let was = previous.first { $0.key == key }?.value
                if was != value {
                    changes.append(Change(flag: flag.name, key: key, old: was, new: value))
                }
            }
        }
        for flag in old.flags where new.flag(named: flag.name) == nil {
            changes.append(Change(flag: flag.name, key: nil, old: "percentage \(flag.percentage)", new: nil))
        }
        self.changes = changes
    }

    /// Whether nothing changed.
    package var isEmpty: Bool { changes.isEmpty }

    /// One line per change, as the history and the log show them.
    package var lines: [String] { changes.map(\.description) }

    /// Every key of a flag with its value as flags.yaml would write it, in the documented order.
    private static func fields(of flag: FlagDefinition) -> [(key: String, value: String)] {
        [
            ("description", flag.description.isEmpty ? "\"\"" : flag.description),
            ("enabled", "\(flag.enabled)"),
            ("percentage", "\(flag.percentage)"),
            ("salt", flag.salt),
            ("endpoints", list(Endpoint.allCases.filter(flag.endpoints.contains).map(\.rawValue))),
            ("users.native", list(flag.nativeUsers)),
            ("users.compat", list(flag.compatUsers)),
            ("unidentified", flag.unidentified.rawValue),
            ("on_change", flag.onChange.rawValue),
            ("migrate_window", ConfigReader.formatDuration(flag.migrateWindow)),
        ]
    }

    /// `guard: none | on`, then each key of the block when both flags have one.
    private static func guardFields(of flag: FlagDefinition, comparedWith other: FlagDefinition) -> [(key: String, value: String)] {
        guard let policy = flag.guardPolicy else { return [("guard", "none")] }
        guard other.guardPolicy != nil else { return [("guard", "on")] }
        return [("guard", "on")] + policy.fields.map { ("guard.\($0.key)", $0.value) }
    }

    private static func list(_ values: [String]) -> String {
        "[" + values.joined(separator: ", ") + "]"
    }
}
