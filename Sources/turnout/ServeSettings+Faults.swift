import ArgumentParser
import TurnoutTransport

extension ServeSettings {
    /// `--inject-fault` (repeatable) and `--fault-seed`: refused unless `--dev` or
    /// `TURNOUT_ALLOW_FAULTS=1`, so a production server cannot be started broken by accident.
    static func faults(command: ServeCommand, isDev: Bool, allowed: Bool, environment: [String: String]) throws -> FaultPlan {
        var seed = command.faultSeed ?? 0
        if command.faultSeed == nil, let text = environment["TURNOUT_FAULT_SEED"], !text.isEmpty {
            guard let value = UInt64(text) else { throw ValidationError("TURNOUT_FAULT_SEED=\(text) is not a whole number from 0 to 2^64-1.") }
            seed = value
        }
        guard !command.injectFault.isEmpty else { return FaultPlan(seed: seed) }
        guard isDev || allowed else {
            throw ValidationError("--inject-fault breaks sockets on purpose; it needs --dev or TURNOUT_ALLOW_FAULTS=1.")
        }
        var faults: [FaultSpec] = []
        for text in command.injectFault {
            do {
                faults.append(try FaultSpec(parsing: text))
            } catch {
                throw ValidationError(error.description)
            }
        }
        return FaultPlan(faults: faults, seed: seed)
    }
}
