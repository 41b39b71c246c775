package import Logging

/// What a ``ReloadingFileStore`` needs to know about one kind of configuration file: how to
/// decode it, what to serve without it, and how to name it in logs and metrics.
///
/// flags.yaml and apps.yaml are the two kinds; each module that owns a schema defines its kind
/// next to its decoder, and the store does everything else the same way for both.
package struct ConfigFileKind<Value: Sendable>: Sendable {
    /// The plural noun of log lines and messages: `flags` gives `flags loaded`, `flags unchanged`,
    /// `flags reload failed; keeping the last good flags`.
    package var noun: String
    /// The name of the counter of reload attempts, labelled `result`, such as `turnout_flags_reload_total`.
    package var reloadCounter: String
    /// The warning logged when the file does not exist at start-up; the value served is then ``fallback``.
    package var missingAtStartup: String
    /// The value served when the file does not exist at start-up, as the store's `generation`-th value.
    package var fallback: @Sendable (_ generation: Int) -> Value
    /// Parses and validates the file's bytes into the store's `generation`-th value.
    ///
    /// - Throws: ``ConfigFileErrors`` listing every problem, each as `FILE:LINE:COL: message`.
    package var decode: @Sendable (_ bytes: [UInt8], _ file: String, _ generation: Int) throws(ConfigFileErrors) -> Value
    /// Metadata added to the `… loaded` log line, such as the generation or the number of apps.
    package var describe: @Sendable (Value) -> Logger.Metadata
    /// Called with each value the store starts to serve, the first included (for gauges), and
    /// the value it replaces (`nil` for the first).
    package var didInstall: @Sendable (_ value: Value, _ previous: Value?) -> Void
    /// What changed between the value served before a reload and the one it installs, one line
    /// per changed key (such as `native-transport.percentage: 5 → 25`). Kept in the reload
    /// history and logged with `… loaded`. Default: no lines.
    package var diff: @Sendable (_ old: Value, _ new: Value) -> [String]

    /// Creates a kind; see each property for what it does.
    package init(
        noun: String,
        reloadCounter: String,
        missingAtStartup: String,
        fallback: @escaping @Sendable (_ generation: Int) -> Value,
        decode: @escaping @Sendable (_ bytes: [UInt8], _ file: String, _ generation: Int) throws(ConfigFileErrors) -> Value,
        describe: @escaping @Sendable (Value) -> Logger.Metadata = { _ in [:] },
        didInstall: @escaping @Sendable (_ value: Value, _ previous: Value?) -> Void = { _, _ in },
        diff: @escaping @Sendable (_ old: Value, _ new: Value) -> [String] = { _, _ in [] }
    ) {
        self.noun = noun
        self.reloadCounter = reloadCounter
        self.missingAtStartup = missingAtStartup
        self.fallback = fallback
        self.decode = decode
        self.describe = describe
        self.didInstall = didInstall
        self.diff = diff
    }
}
