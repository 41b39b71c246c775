import NIOConcurrencyHelpers
import NIOCore

/// The users of the current measurement by id, so a webhook (which names a user) can find the
/// driver and loop its app belongs on. Touched only at setup, under a mutex.
final class UserRegistry: Sendable {
    /// One user's loop and its loop-bound driver.
    struct Entry: Sendable {
        var loop: any EventLoop
        var driver: NIOLoopBound<UserDriver>
        var packages: [String]
    }

    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let channels = NIOLockedValueBox<[any Channel]>([])
    private let failures = NIOLockedValueBox<[String]>([])

    func register(_ userId: String, _ entry: Entry) {
        self.entries.withLockedValue { $0[userId] = entry }
    }

    func entry(_ userId: String) -> Entry? {
        self.entries.withLockedValue { $0[userId] }
    }

    /// Keeps `channel` to close at the end of the measurement.
    func keep(_ channel: any Channel) {
        self.channels.withLockedValue { $0.append(channel) }
    }

    /// Notes a setup failure (an app that could not connect, say).
    func fail(_ message: String) {
        self.failures.withLockedValue { $0.append(message) }
    }

    /// The failures so far.
    var failureMessages: [String] { self.failures.withLockedValue { $0 } }

    /// Forgets every user and hands back the channels to close.
    func clear() -> [any Channel] {
        self.entries.withLockedValue { $0 = [:] }
        self.failures.withLockedValue { $0 = [] }
        return self.channels.withLockedValue {
            let all = $0
            $0 = []
            return all
        }
    }
}
