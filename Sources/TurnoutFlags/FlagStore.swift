package import Logging
import Metrics
package import TurnoutConfigFile

/// Serves the current flag snapshot and replaces it when flags.yaml changes.
///
/// One instance of TurnoutConfigFile's ``ReloadingFileStore``, with flags.yaml's decoder
/// (``ConfigFileKind/flags``). Reads are lock-free: `snapshot` is an atomic
/// load of an immutable object, so a decision on the upgrade path never waits for a reload, and a
/// reload never waits for decisions. An invalid or deleted file keeps the last good snapshot.
/// Every reload is logged, counted in `turnout_flags_reload_total{result}`, remembered as
/// `lastReload` (shown by `/admin/flags`) and published on `reloadEvents()`.
package typealias FlagStore = ReloadingFileStore<FlagSnapshot>

extension ConfigFileKind where Value == FlagSnapshot {
    /// flags.yaml: decoded by ``FlagFile/decode(_:file:)`` into a ``FlagSnapshot``; a missing
    /// file at start-up serves the built-in default (everyone on compat). Each snapshot served
    /// sets `turnout_flag_percentage{flag}` and, through ``EffectivePercentageGauge``,
    /// `turnout_flag_effective_percentage{flag}`; each applied reload is described by a
    /// ``FlagFileDiff`` in the history and the `flags loaded` log line.
    package static var flags: Self {
        ConfigFileKind(
            noun: "flags",
            reloadCounter: "turnout_flags_reload_total",
            missingAtStartup: "flags file not found; serving the built-in default (everyone on compat)",
            fallback: { generation in .builtInDefault(generation: generation) },
            decode: { (bytes, file, generation) throws(ConfigFileErrors) in
                FlagSnapshot(file: try FlagFile.decode(bytes, file: file), source: file, generation: generation)
            },
            describe: { snapshot in ["generation": "\(snapshot.generation)"] },
            didInstall: recordPercentages(of:replacing:),
            diff: { old, new in FlagFileDiff(from: old.file, to: new.file).lines }
        )
    }

    private static func recordPercentages(of snapshot: FlagSnapshot, replacing previous: FlagSnapshot?) {
        for flag in snapshot.file.flags {
            let effective = flag.enabled ? Double(flag.percentage.hundredths) / 100 : 0
            Gauge(label: "turnout_flag_percentage", dimensions: [("flag", flag.name)]).record(effective)
        }
        EffectivePercentageGauge.record(snapshot, replacing: previous)
    }
}

extension ReloadingFileStore where Value == FlagSnapshot {
    /// Loads flags.yaml at start-up.
    ///
    /// A missing file means the built-in default (everyone on compat), logged as a warning.
    /// - Throws: ``ConfigFileErrors`` when the file exists but is invalid or unreadable: start-up
    ///   must stop rather than run with a configuration nobody wrote.
    package static func load(path: String, logger: Logger) throws(ConfigFileErrors) -> FlagStore {
        try load(path: path, kind: .flags, logger: logger)
    }

    /// Creates a store that serves `snapshot`, read from `path` whose contents were `fileState` (tests).
    package convenience init(path: String, snapshot: FlagSnapshot, fileState: WatchedFileState, logger: Logger) {
        self.init(path: path, value: snapshot, fileState: fileState, kind: .flags, logger: logger)
    }

    /// The snapshot now being served. Lock-free.
    @inline(__always)
    package var snapshot: FlagSnapshot {
        value
    }

    /// Chooses the stack for a connection from the current snapshot: lock-free, and
    /// allocation-free for ASCII user ids. See ``FlagSnapshot/decide(userId:endpoint:flag:)``.
    @inline(__always)
    package func decide(userId: String?, endpoint: Endpoint, flag: String = FlagFile.nativeTransport) -> Decision {
        value.decide(userId: userId, endpoint: endpoint, flag: flag)
    }
}
