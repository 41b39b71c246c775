/// One step of a ramp under load: the edit, the moves it caused, and where the connections were
/// when the step ended.
package struct RampStepResult: Codable, Hashable, Sendable {
    /// The step's number, from 1 (step 1 is where the run starts: no edit).
    package var step: Int
    /// The native-transport percentage of the step.
    package var percent: Int
    /// Connections the edit moved to the other stack (each user's glasses and apps).
    package var movedConnections: Int
    /// Moved connections not yet bound on their new stack when the step ended.
    package var unmovedConnections: Int
    /// Milliseconds from the edit to the last moved connection bound on its new stack; `nil`
    /// when nothing moved.
    package var moveMaxMs: Double?
    /// The median of the moved connections' times.
    package var moveP50Ms: Double?
    /// The connections `/admin/connections` counted at the end of the step, and the native share of them.
    package var connections: Int
    package var nativeSharePercent: Double

    /// Creates a step's result from every field.
    package init(
        step: Int,
        percent: Int,
        movedConnections: Int,
        unmovedConnections: Int,
        moveMaxMs: Double?,
        moveP50Ms: Double?,
        connections: Int,
        nativeSharePercent: Double
    ) {
        self.step = step
        self.percent = percent
        self.movedConnections = movedConnections
        self.unmovedConnections = unmovedConnections
        self.moveMaxMs = moveMaxMs
        self.moveP50Ms = moveP50Ms
        self.connections = connections
        self.nativeSharePercent = nativeSharePercent
    }

    /// Whether the native share is within ``RampPlan/tolerancePoints`` of the step.
    package var isWithinTolerance: Bool {
        self.connections > 0 && abs(self.nativeSharePercent - Double(self.percent)) <= RampPlan.tolerancePoints
    }

    /// What is wrong with the step, one line each; empty when it is right.
    package var failures: [String] {
        var lines: [String] = []
        let name = "step \(self.step) (\(self.percent) %)"
        if self.connections == 0 {
            lines.append("\(name): /admin/connections counted no connections")
        } else if !self.isWithinTolerance {
            lines.append(
                "\(name): native share \(ResultTable.number(self.nativeSharePercent, decimals: 1)) % of \(self.connections) connections, more than \(Int(RampPlan.tolerancePoints)) points from \(self.percent) %"
            )
        }
        if self.unmovedConnections > 0 {
            lines.append(
                "\(name): \(self.unmovedConnections) of \(self.movedConnections) moved connections were not on their new stack when the step ended"
            )
        }
        return lines
    }

    /// The step as one line of the run's output.
    package var summary: String {
        let moves: String
        if let max = self.moveMaxMs, let p50 = self.moveP50Ms {
            moves = "\(self.movedConnections) moved, max \(ResultTable.number(max, decimals: 0)) ms, p50 \(ResultTable.number(p50, decimals: 0)) ms"
        } else {
            moves = "nothing moved"
        }
        return
            "step \(self.step): \(self.percent) % → native \(ResultTable.number(self.nativeSharePercent, decimals: 1)) % of \(self.connections) connections; \(moves)"
    }
}
