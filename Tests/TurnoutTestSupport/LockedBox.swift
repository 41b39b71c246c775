import NIOConcurrencyHelpers

/// A copyable, Sendable box around a `NIOLockedValueBox`, for test helpers.
package final class LockedBox<Value: Sendable>: Sendable {
    private let mutex: NIOLockedValueBox<Value>

    package init(_ value: Value) {
        self.mutex = NIOLockedValueBox(value)
    }

    package func withLockedValue<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try self.mutex.withLockedValue { try body(&$0) }
    }
}

/// An unbounded single-consumer queue of events: producers `yield` from any thread, the test
/// awaits `next()`.
package final class EventQueue<Element: Sendable>: Sendable {
    private struct State {
        var buffer: [Element] = []
        /// Everything ever yielded, consumed or not.
        var history: [Element] = []
        var head = 0
        var waiter: CheckedContinuation<Element?, Never>?
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    package func yield(_ element: Element) {
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<Element?, Never>? in
            state.history.append(element)
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.buffer.append(element)
            return nil
        }
        waiter?.resume(returning: element)
    }

    package func finish() {
        let waiter = self.state.withLockedValue { state -> CheckedContinuation<Element?, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Every element yielded so far, whether `next()` returned it yet or not: what a producer had
    /// delivered at a given moment.
    package var history: [Element] {
        self.state.withLockedValue { $0.history }
    }

    /// The next element, or `nil` once finished and drained, or once the waiting task is
    /// cancelled (a test's time limit cancels it: the test then fails instead of hanging).
    package func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let immediate = self.state.withLockedValue { state -> Element?? in
                    if state.head < state.buffer.count {
                        defer { state.head += 1 }
                        return .some(state.buffer[state.head])
                    }
                    if state.finished || Task.isCancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = self.state.withLockedValue { state -> CheckedContinuation<Element?, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
