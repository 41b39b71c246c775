import Foundation
import NIOConcurrencyHelpers

/// Who listens to a store's reload events: each ``subscribe()`` gets every event published from
/// then on. Shared by the file stores and the TLS certificate store, which tests and services
/// (the ramp, SIGHUP) wait on instead of sleeping.
package final class ReloadEventSubscribers<Event: Sendable>: Sendable {
    private let continuations = NIOLockedValueBox<[UUID: AsyncStream<Event>.Continuation]>([:])

    /// Creates an empty set of subscribers.
    package init() {}

    /// A stream of every event from now on; it buffers the newest 64 and ends when this object,
    /// and so the store that owns it, is released.
    package func subscribe() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(64))
        let id = UUID()
        self.continuations.withLockedValue { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            self?.continuations.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Hands `event` to every subscriber; never blocks.
    package func publish(_ event: Event) {
        let subscribers = self.continuations.withLockedValue { Array($0.values) }
        for subscriber in subscribers {
            subscriber.yield(event)
        }
    }
}
