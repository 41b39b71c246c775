import Foundation

/// The source of the timestamps written into protocol messages and webhooks.
///
/// Injectable so that tests can assert exact JSON: production uses ``system``, tests use
/// ``fixed(_:)`` or a closure that follows a manual scheduler. Reading the clock must be
/// cheap and thread-safe; the core reads it once per outbound message batch.
package struct WallClock: Sendable {
    private let read: @Sendable () -> Timestamp

    /// Creates a clock that reads the time from a closure.
    ///
    /// - Parameter read: Returns the current time; called from any thread.
    package init(_ read: @escaping @Sendable () -> Timestamp) {
        self.read = read
    }

    /// The system's real-time clock.
    package static var system: WallClock {
        WallClock {
            Timestamp(millisecondsSince1970: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
        }
    }

    /// A clock that always reads the same instant.
    package static func fixed(_ timestamp: Timestamp) -> WallClock {
        WallClock { timestamp }
    }

    /// The current time.
    package func now() -> Timestamp {
        self.read()
    }
}
