import Metrics

/// The one place `turnout_flag_effective_percentage{flag}` is set: the share of users on native
/// that is in force for each flag, in percent.
///
/// The flag store records every snapshot it starts to serve (start-up and every applied reload):
/// a flag's `percentage`, or 0 when it is `enabled: false`; a flag that left the file drops to 0.
/// Anything that later overrides the percentage in force must go through
/// ``record(flag:percentage:)`` so the gauge keeps telling the truth: the server's ramp guard
/// records 0 when it rolls a flag back (and again after a reload that left the flag alone), and
/// the flag's percentage when it re-arms.
package enum EffectivePercentageGauge {
    /// The gauge's name.
    package static let label = "turnout_flag_effective_percentage"

    /// Records what `snapshot` puts in force for each of its flags, and 0 for the flags of
    /// `previous` (the snapshot it replaces) that it no longer has.
    package static func record(_ snapshot: FlagSnapshot, replacing previous: FlagSnapshot?) {
        for flag in snapshot.file.flags {
            record(flag: flag.name, percentage: flag.enabled ? flag.percentage : .zero)
        }
        for flag in previous?.file.flags ?? [] where snapshot.file.flag(named: flag.name) == nil {
            record(flag: flag.name, percentage: .zero)
        }
    }

    /// Sets the gauge of one flag.
    package static func record(flag: String, percentage: Percentage) {
        Gauge(label: label, dimensions: [("flag", flag)]).record(Double(percentage.hundredths) / 100)
    }
}
