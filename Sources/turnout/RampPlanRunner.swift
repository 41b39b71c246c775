import TurnoutFlags

/// Walks a ramp plan (`turnout flags ramp --plan 1,5,25 --hold 15m`): each step is written,
/// waited for on every instance, then held while every instance keeps answering with it and its
/// ramp guard stays green; a trip on any instance aborts the plan (the command then sets 0).
///
/// Generic over the clock so tests hold for milliseconds. The runner never rolls back itself:
/// it reports how the plan ended and the command acts on it.
struct RampPlanRunner<C: Clock<Duration>> {
    /// How a plan ended.
    enum Outcome: Equatable {
        /// Every step was applied and held.
        case completed
        /// Cancelled (Ctrl-C) during `step` (0-based); the file holds that step's percentage,
        /// or the one before when the step was not yet written.
        case interrupted(step: Int, inForce: Percentage?)
        /// An instance stopped answering, its ramp guard tripped, or a step could not be written
        /// or applied.
        case aborted(reason: String)
    }

    var ramp: FlagRamp
    var steps: [Percentage]
    var hold: Duration
    /// How often instances are asked (and a progress line printed) during a hold.
    var interval: Duration
    var clock: C
    /// Where progress lines go (stdout in the command).
    var output: (String) -> Void

    /// Runs the plan until it completes, aborts or the task is cancelled.
    func run() async -> Outcome {
        var inForce: Percentage?
        for (index, step) in steps.enumerated() {
            let label = "step \(index + 1)/\(steps.count)"
            if Task.isCancelled { return .interrupted(step: index, inForce: inForce) }
            let prepared: FlagRamp.Prepared
            do {
                prepared = try ramp.prepare(to: step)
                try ramp.write(prepared)
            } catch {
                return .aborted(reason: "\(label): \(error.message)")
            }
            inForce = step
            output("\(label): wrote \(ramp.flag) percentage \(step) to \(ramp.path); waiting for \(ramp.instances.count) instance(s)")
            let late = await ramp.waitForInstances(percentage: step, sha256: prepared.sha256)
            if Task.isCancelled { return .interrupted(step: index, inForce: inForce) }
            if !late.isEmpty {
                let names = late.map { "\($0.instance.url) (\($0.reason))" }.joined(separator: ", ")
                return .aborted(reason: "\(label): not applied within \(DurationText.format(ramp.timeout)) by \(names)")
            }
            if let failure = await holdStep(label: label, percentage: step, sha256: prepared.sha256) {
                if Task.isCancelled { return .interrupted(step: index, inForce: inForce) }
                return .aborted(reason: failure)
            }
            if Task.isCancelled { return .interrupted(step: index, inForce: inForce) }
        }
        return .completed
    }

    /// Holds one step: asks every instance each ``interval`` until ``hold`` has passed.
    ///
    /// - Returns: Why the hold failed; `nil` when every instance kept answering with the step.
    private func holdStep(label: String, percentage: Percentage, sha256: String) async -> String? {
        let start = clock.now
        while true {
            var native = 0
            var total = 0
            var guarded = 0
            for instance in ramp.instances {
                let (mismatch, guardState) = await ramp.check(instance, percentage: percentage, sha256: sha256)
                if let reason = mismatch {
                    return "\(label): \(instance.url) \(reason) during the hold"
                }
                if let guardState {
                    guard guardState.isGreen else {
                        return "\(label): the ramp guard tripped on \(instance.url): \(guardState.trip ?? "no figures")"
                    }
                    guarded += 1
                }
                do {
                    let connections = try await instance.connections()
                    native += connections.native
                    total += connections.total
                } catch {
                    return "\(label): \(instance.url) \(error.description) during the hold"
                }
            }
            let elapsed = start.duration(to: clock.now)
            let left = elapsed < hold ? hold - elapsed : .zero
            let share = total == 0 ? "no connections" : "native \(RampPreview.share(native, of: total)) of \(total) connections"
            let guardText =
                guarded == ramp.instances.count
                ? "guard green on \(guarded)/\(ramp.instances.count)"
                : guarded == 0 ? "guard n/a (no guard: block)" : "guard green on \(guarded)/\(ramp.instances.count), none on the rest"
            output("\(label)  \(percentage) %  hold \(DurationText.format(left)) left  \(share)  \(guardText)")
            if left == .zero { return nil }
            do {
                try await clock.sleep(for: min(interval, left))
            } catch {
                return "\(label): interrupted"
            }
        }
    }
}

/// `15m`, `1m 30s`, `250ms`: durations as the ramp prints them.
enum DurationText {
    static func format(_ duration: Duration) -> String {
        let milliseconds = Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        if milliseconds < 1000 { return "\(milliseconds)ms" }
        let seconds = (milliseconds + 999) / 1000
        let (hours, minutes, rest) = (seconds / 3600, seconds % 3600 / 60, seconds % 60)
        var parts: [String] = []
        if hours > 0 { parts.append("\(hours)h") }
        if minutes > 0 { parts.append("\(minutes)m") }
        if rest > 0 || parts.isEmpty { parts.append("\(rest)s") }
        return parts.joined(separator: " ")
    }
}
