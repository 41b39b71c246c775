import Foundation
import TurnoutConfigFile
import TurnoutFlags

/// One ramp step of `turnout flags ramp`: the edited file, checked, previewed, written and
/// waited for on every instance.
struct FlagRamp {
    /// The flag file, as the operator named it.
    var path: String
    /// The flag to ramp.
    var flag: String
    /// The admin ports to wait for.
    var instances: [AdminInstance]
    /// How long to wait for every instance after a write.
    var timeout: Duration
    /// How often instances are asked while waiting.
    var pollInterval: Duration = .milliseconds(100)

    /// A step ready to write: the new bytes, and the snapshots before and after for the preview.
    struct Prepared {
        var bytes: [UInt8]
        var sha256: String
        var current: FlagSnapshot
        var target: FlagSnapshot
        var percentage: Percentage
        /// The edit added a `percentage` key the flag did not have.
        var inserted: Bool
    }

    /// Why a step cannot go ahead; printed to stderr, with the exit status.
    struct Refusal: Error {
        var message: String
        var status: Int32
    }

    /// Reads and validates the file and computes the edit, without writing anything.
    ///
    /// A file that fails validation only because the flag has no `percentage` yet is accepted:
    /// the edit inserts the key, and the preview counts the flag as at 0 %.
    /// - Throws: ``Refusal`` with every located error (status 2), as `flags check` prints them.
    func prepare(to percentage: Percentage) throws(Refusal) -> Prepared {
        let bytes: [UInt8]
        switch WatchedFileState.read(path: path) {
        case .contents(let contents): bytes = contents
        case .missing: throw Refusal(message: "\(path):1:1: no such file", status: 2)
        case .unreadable(let reason): throw Refusal(message: "\(path):1:1: cannot read the file: \(reason)", status: 2)
        }
        var originalErrors: ConfigFileErrors?
        var current: FlagSnapshot?
        do {
            current = FlagSnapshot(file: try FlagFile.decode(bytes, file: path), source: path)
        } catch {
            originalErrors = error
        }
        let edit: PercentageEdit
        do {
            edit = try PercentageEdit(setting: percentage, ofFlag: flag, in: bytes, file: path)
        } catch {
            throw Refusal(message: (originalErrors ?? error).description, status: 2)
        }
        let target: FlagSnapshot
        do {
            target = FlagSnapshot(file: try FlagFile.decode(edit.bytes, file: path), source: path)
        } catch {
            throw Refusal(message: (originalErrors ?? error).description, status: 2)
        }
        if let originalErrors, !edit.inserted {
            throw Refusal(message: originalErrors.description, status: 2)
        }
        let before = current ?? RampPreview.snapshot(target, setting: flag, to: .zero, source: path)
        return Prepared(
            bytes: edit.bytes,
            sha256: WatchedFileState.sha256(of: edit.bytes),
            current: before,
            target: target,
            percentage: percentage,
            inserted: edit.inserted
        )
    }

    /// Writes the step atomically.
    func write(_ prepared: Prepared) throws(Refusal) {
        do {
            try AtomicFileWriter.write(prepared.bytes, to: path)
        } catch {
            throw Refusal(message: "turnout flags ramp: \(error)", status: 1)
        }
    }

    /// Waits until every instance serves `percentage` from the file whose hash is `sha256`, or
    /// until the timeout. Instances are asked concurrently, so an unreachable one delays no other.
    ///
    /// - Returns: For each instance that did not get there, why (its last answer), in the order given.
    func waitForInstances(percentage: Percentage, sha256: String?) async -> [(instance: AdminInstance, reason: String)] {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        let reasons = await withTaskGroup(of: (Int, String?).self) { group in
            for (index, instance) in instances.enumerated() {
                group.addTask {
                    while true {
                        let left = clock.now.duration(to: deadline)
                        let reason = await mismatch(of: instance, percentage: percentage, sha256: sha256, timeout: min(.seconds(5), left))
                        guard reason != nil, clock.now < deadline, !Task.isCancelled else { return (index, reason) }
                        try? await Task.sleep(for: pollInterval)
                    }
                }
            }
            var reasons = [String?](repeating: nil, count: instances.count)
            for await (index, reason) in group { reasons[index] = reason }
            return reasons
        }
        return zip(instances, reasons).compactMap { instance, reason in reason.map { (instance, $0) } }
    }

    /// Why `instance` does not serve `percentage` from the file with `sha256`; `nil` when it does.
    func mismatch(of instance: AdminInstance, percentage: Percentage, sha256: String?, timeout: Duration = .seconds(5)) async -> String? {
        await check(instance, percentage: percentage, sha256: sha256, timeout: timeout).mismatch
    }

    /// What ``mismatch(of:percentage:sha256:timeout:)`` says, with the instance's ramp guard.
    func check(
        _ instance: AdminInstance,
        percentage: Percentage,
        sha256: String?,
        timeout: Duration = .seconds(5)
    ) async -> (mismatch: String?, guardState: AdminInstance.GuardState?) {
        let state: AdminInstance.FlagState
        do {
            state = try await instance.flagState(of: flag, timeout: timeout)
        } catch {
            return (error.description, nil)
        }
        return (mismatch(state, percentage: percentage, sha256: sha256), state.guardState)
    }

    private func mismatch(_ state: AdminInstance.FlagState, percentage: Percentage, sha256: String?) -> String? {
        if state.percentage != percentage {
            let serving = state.percentage.map { "\($0) %" } ?? "no flag '\(flag)'"
            return "serves \(serving)" + (state.lastError.map { "; its last reload failed: \($0)" } ?? "")
        }
        if let sha256, state.sha256 != sha256 {
            return "serves \(percentage) % but from another file (sha256 \(state.sha256 ?? "none"))"
        }
        return nil
    }
}
