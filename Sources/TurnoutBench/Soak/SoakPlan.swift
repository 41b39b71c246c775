/// `--churn`: the soak. The ramp's steps over and over for `duration`, one every `--every`, with
/// users, apps and slow consumers churning at the start of each step, and the server's
/// resources sampled at the quiescent point at the end of each.
package struct SoakPlan: Hashable, Sendable {
    /// How long the soak runs.
    package var duration: Duration
    /// Where the samples go as CSV; `nil` for nowhere.
    package var samplesPath: String?

    /// Creates a plan.
    package init(duration: Duration, samplesPath: String?) {
        self.duration = duration
        self.samplesPath = samplesPath
    }
}
