import NIOCore
import Synchronization
import TurnoutCore
package import TurnoutFlags

/// The faults a server injects (`turnout serve --inject-fault`, repeatable) and the seed that
/// makes their dice reproducible (`--fault-seed`). Empty in production.
package struct FaultPlan: Sendable, Hashable {
    /// Every fault, in the order given.
    package var faults: [FaultSpec]
    /// Seeds each connection's dice: connection `n` of a stack rolls from `seed` and `n`.
    package var seed: UInt64

    /// Creates a plan; no faults by default.
    package init(faults: [FaultSpec] = [], seed: UInt64 = 0) {
        self.faults = faults
        self.seed = seed
    }

    /// Whether nothing is injected.
    package var isEmpty: Bool { faults.isEmpty }

    /// The faults on `stack`.
    package func faults(on stack: Stack) -> [FaultSpec.Kind] {
        faults.filter { $0.stack == stack }.map(\.kind)
    }
}

extension TransportStacks {
    /// These stacks with `plan`'s faults put in front of each affected stack's sink; the stacks
    /// without faults are returned as they are.
    package func injecting(_ plan: FaultPlan) -> TransportStacks {
        func wrap(_ stack: any WebSocketStack, _ name: Stack) -> any WebSocketStack {
            let faults = plan.faults(on: name)
            return faults.isEmpty ? stack : FaultInjectingStack(inner: stack, faults: faults, seed: plan.seed ^ (name == .native ? 0 : 0x9E37_79B9))
        }
        return TransportStacks(compat: wrap(compat, .compat), native: wrap(native, .native))
    }
}

/// A stack with faults in front of its sinks: the same for both stacks, so `compat:` works as
/// `native:` does. The stack's own handlers are untouched.
struct FaultInjectingStack: WebSocketStack {
    let inner: any WebSocketStack
    let faults: [FaultSpec.Kind]
    let seed: UInt64
    /// Numbers the stack's connections, so each gets its own reproducible dice.
    private let connections = ConnectionCounter()

    init(inner: any WebSocketStack, faults: [FaultSpec.Kind], seed: UInt64) {
        self.inner = inner
        self.faults = faults
        self.seed = seed
    }

    var stack: TransportStack { inner.stack }
    var backpressure: BackpressureCounters { inner.backpressure }

    func install(
        on channel: any Channel,
        identity: ConnectionIdentity,
        configuration: WebSocketStackConfiguration,
        open: @escaping @Sendable (any Connection) -> any WebSocketEventSink
    ) throws {
        let faults = self.faults
        let dice = SplitMix64(seed: self.seed &+ self.connections.next() &* 0x9E37_79B9_7F4A_7C15)
        let eventLoop = channel.eventLoop
        try inner.install(on: channel, identity: identity, configuration: configuration) { connection in
            FaultInjectingSink(inner: open(connection), connection: connection, faults: faults, dice: dice, eventLoop: eventLoop)
        }
    }
}

/// Counts connections for their seeds.
private final class ConnectionCounter: Sendable {
    private let count = Atomic<UInt64>(0)

    func next() -> UInt64 {
        count.wrappingAdd(1, ordering: .relaxed).newValue
    }
}
