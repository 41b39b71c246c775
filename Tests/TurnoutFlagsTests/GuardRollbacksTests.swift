import Testing

@testable import TurnoutFlags

@Suite("GuardRollbacks")
struct GuardRollbacksTests {
    static let snapshot = FlagSnapshot(
        file: FlagFile(flags: [
            FlagDefinition(
                name: FlagFile.nativeTransport,
                percentage: Percentage(hundredths: 10_000)!,
                nativeUsers: ["qa@example.com"],
                unidentified: .native
            ),
            FlagDefinition(name: "other", percentage: Percentage(hundredths: 10_000)!),
        ]),
        source: "test"
    )

    @Test("a rolled-back flag's rollout decisions become compat by guard-rollback at 0 %; every other rule stands")
    func applies() {
        let rollbacks = GuardRollbacks()
        let before = Self.snapshot.decide(userId: "alice@example.com", endpoint: .glasses)
        #expect(rollbacks.apply(before) == before)
        rollbacks.rollBack(FlagFile.nativeTransport)
        let forced = rollbacks.apply(before)
        #expect(forced.stack == .compat)
        #expect(forced.rule == .guardRollback)
        #expect(forced.percentage == .zero)
        #expect(forced.bucket == before.bucket)
        #expect(forced.explanation == "guard-rollback: the ramp guard forced 0 % (bucket \(before.bucket ?? -1))")
        #expect(forced.jsonObject(userId: "alice@example.com").contains(#""stack":"compat","rule":"guard-rollback""#))
        // Pinned users stay pinned; connections without a user keep the flag's unidentified stack.
        let pinned = Self.snapshot.decide(userId: "qa@example.com", endpoint: .glasses)
        #expect(rollbacks.apply(pinned) == pinned)
        let unidentified = Self.snapshot.decide(userId: nil, endpoint: .app)
        #expect(rollbacks.apply(unidentified).stack == .native)
        // Only the flag that tripped.
        let other = Self.snapshot.decide(userId: "alice@example.com", endpoint: .glasses, flag: "other")
        #expect(rollbacks.apply(other) == other)
        #expect(rollbacks.lift(FlagFile.nativeTransport))
        #expect(!rollbacks.lift(FlagFile.nativeTransport))
        #expect(rollbacks.apply(before) == before)
    }
}
