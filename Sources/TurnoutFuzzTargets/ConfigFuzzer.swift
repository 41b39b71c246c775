import TurnoutConfigFile

@testable import TurnoutCore
@testable import TurnoutFlags

/// The `config` target: the flags.yaml and apps.yaml decoders (Yams, then ``ConfigReader``), each
/// fed the same arbitrary bytes.
///
/// Asserts:
/// - a refusal lists at least one error, each located in the named file (line and column ≥ 1)
///   with a message: bad input gets a clear, located error, never a crash;
/// - decoding is deterministic;
/// - every decoded percentage lies in 0–100 with at most two decimals and round-trips through its
///   text; flag names are unique; each app is filed under its own non-empty package name;
/// - setting a decoded flag's percentage in place (``PercentageEdit``, what `turnout flags ramp`
///   writes) yields a file that decodes to the same flags with only that percentage changed.
enum ConfigFuzzer {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        try self.checkFlags(bytes)
        try self.checkApps(bytes)
    }

    static func checkFlags(_ bytes: [UInt8]) throws(FuzzFailure) {
        let file: FlagFile
        do {
            file = try FlagFile.decode(bytes, file: "flags.yaml")
        } catch {
            try self.checkLocated(error, file: "flags.yaml")
            return
        }
        try check((try? FlagFile.decode(bytes, file: "flags.yaml")) == file, "decoding the same flags.yaml twice differs")
        try check(Set(file.flags.map(\.name)).count == file.flags.count, "two flags share a name")
        for flag in file.flags {
            let percentage = flag.percentage
            try check((0...10_000).contains(percentage.hundredths), "flag '\(flag.name)' has percentage \(percentage.hundredths)/100")
            try check(Percentage.parse(percentage.description) == .success(percentage), "percentage \(percentage) does not round-trip")
        }
        guard let flag = file.flags.first else { return }
        // A percentage other than the current one, derived from it so that the input decides.
        let target = Percentage(hundredths: (flag.percentage.hundredths + 2_575) % 10_001)!
        guard let edit = try? PercentageEdit(setting: target, ofFlag: flag.name, in: bytes, file: "flags.yaml") else { return }
        let edited: FlagFile
        do {
            edited = try FlagFile.decode(edit.bytes, file: "flags.yaml")
        } catch {
            throw FuzzFailure("setting '\(flag.name)' to \(target) made an invalid file: \(error)")
        }
        var expected = file
        expected.flags[0].percentage = target
        try check(edited == expected, "setting '\(flag.name)' to \(target) changed more than its percentage")
    }

    static func checkApps(_ bytes: [UInt8]) throws(FuzzFailure) {
        let registry: AppRegistry
        do {
            registry = try AppRegistry.decode(bytes, file: "apps.yaml")
        } catch {
            try self.checkLocated(error, file: "apps.yaml")
            return
        }
        try check((try? AppRegistry.decode(bytes, file: "apps.yaml")) == registry, "decoding the same apps.yaml twice differs")
        for (packageName, app) in registry.apps {
            try check(app.packageName == packageName && !packageName.isEmpty, "app '\(app.packageName)' is filed under '\(packageName)'")
        }
    }

    /// Every error names the file, a line and a column, and says something.
    static func checkLocated(_ errors: ConfigFileErrors, file: String) throws(FuzzFailure) {
        try check(!errors.errors.isEmpty, "a refusal with no error")
        for error in errors.errors {
            try check(
                error.file == file && error.line >= 1 && error.column >= 1 && !error.message.isEmpty,
                "an error that is not located: \(error)"
            )
        }
    }
}
