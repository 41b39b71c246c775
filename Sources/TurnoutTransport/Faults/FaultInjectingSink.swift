import NIOCore
import TurnoutCore

/// Sits between a stack and its sink and applies the injected faults to each message received:
/// close the socket, delay the delivery, or drop an audio frame.
///
/// Everything runs on the connection's event loop (the stack calls a sink there), so the state
/// is loop-bound and needs no lock. A delayed message keeps its arrival time, so the core's
/// handling time (and the ramp guard's p99) includes the delay, as a slow stack's queueing would.
final class FaultInjectingSink: WebSocketEventSink {
    private enum Message {
        case text(ByteBuffer)
        case binary(ByteBuffer)
    }

    private struct State {
        var dice: SplitMix64
        /// Messages held back, oldest first, each with its arrival and due time.
        var held: [(message: Message, receivedAt: NIODeadline, due: NIODeadline)] = []
        /// The latest due time handed out: a later message never overtakes an earlier one.
        var lastDue = NIODeadline.uptimeNanoseconds(0)
        /// A fault closed the socket: nothing more is delivered.
        var closedByFault = false
    }

    private let inner: any WebSocketEventSink
    private let connection: any Connection
    private let faults: [FaultSpec.Kind]
    private let eventLoop: any EventLoop
    private let state: NIOLoopBoundBox<State>

    init(inner: any WebSocketEventSink, connection: any Connection, faults: [FaultSpec.Kind], dice: SplitMix64, eventLoop: any EventLoop) {
        self.inner = inner
        self.connection = connection
        self.faults = faults
        self.eventLoop = eventLoop
        self.state = NIOLoopBoundBox(State(dice: dice), eventLoop: eventLoop)
    }

    func textReceived(_ text: ByteBuffer) {
        self.received(.text(text))
    }

    func binaryReceived(_ data: ByteBuffer) {
        self.received(.binary(data))
    }

    func pongReceived() {
        self.inner.pongReceived()
    }

    func connectionClosed(code: UInt16?, reason: String?) {
        // Whatever was held arrived before the close: deliver it first, in order.
        let held = self.state.value.held
        self.state.value.held = []
        for entry in held {
            self.deliver(entry.message, receivedAt: entry.receivedAt)
        }
        self.inner.connectionClosed(code: code, reason: reason)
    }

    private func received(_ message: Message) {
        guard !self.state.value.closedByFault else { return }
        let now = NIODeadline.now()
        var delay = TimeAmount.zero
        for fault in self.faults {
            switch fault {
            case .close(let code, let rate):
                if self.state.value.dice.roll(rate) {
                    self.state.value.closedByFault = true
                    self.connection.close(code: code, reason: "Injected fault")
                    return
                }
            case .dropAudio(let rate):
                if case .binary = message, self.state.value.dice.roll(rate) { return }
            case .delay(let amount, let rate):
                if self.state.value.dice.roll(rate) {
                    let (seconds, attoseconds) = amount.components
                    delay = delay + .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
                }
            }
        }
        let due = max(now + delay, self.state.value.lastDue)
        self.state.value.lastDue = due
        if due <= now && self.state.value.held.isEmpty {
            self.deliver(message, receivedAt: now)
            return
        }
        self.state.value.held.append((message, now, due))
        self.eventLoop.scheduleTask(deadline: due) { self.deliverDue() }
    }

    /// Delivers every held message whose time has come, oldest first.
    private func deliverDue() {
        let now = NIODeadline.now()
        while let first = self.state.value.held.first, first.due <= now {
            self.state.value.held.removeFirst()
            self.deliver(first.message, receivedAt: first.receivedAt)
        }
    }

    private func deliver(_ message: Message, receivedAt: NIODeadline) {
        switch message {
        case .text(let text): self.inner.textReceived(text, receivedAt: receivedAt)
        case .binary(let data): self.inner.binaryReceived(data, receivedAt: receivedAt)
        }
    }
}
