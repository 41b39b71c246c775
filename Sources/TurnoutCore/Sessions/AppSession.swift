import NIOCore

/// One started app of a user: its state, connection and subscriptions.
///
/// Lives inside ``UserSession``'s locked state and is read and changed only under that lock.
///
/// `@unchecked Sendable` because the lock's box asks its value to be `Sendable`; it is safe
/// because no reference to an `AppSession` leaves that lock: they are created, read, changed and
/// removed only inside `UserSession.state.withLockedValue` (UserSession+Apps/+Routing), and no
/// timer or outbound action captures one (they capture the package name and a token).
///
/// A class rather than a struct because of the routing loop: the phase holds an opaque
/// `any ScheduledWork`, which made the struct address-only, and every
/// `state.apps[index].…` read on the per-message path copied (retained and released) the whole
/// value. Through a reference each read touches only the field it needs.
final class AppSession: @unchecked Sendable {
    /// Where the app is in its lifecycle.
    enum Phase {
        /// Started (or restarted) and waiting for init; the timer is the init deadline.
        case loading(deadline: any ScheduledWork, token: UInt64)
        /// Initialised on this connection.
        case running(ConnectionHandle)
        /// Dropped; the timer ends the reconnect grace and restarts the app.
        case reconnecting(grace: any ScheduledWork, token: UInt64)
    }

    /// The app's package name.
    let packageName: String
    /// `<userId>-<packageName>`.
    let sessionId: String
    /// `{"type":"data_stream","sessionId":"<sessionId>","streamType":`, encoded once.
    let dataStreamPrefix: ByteBuffer
    /// The lifecycle state.
    var phase: Phase {
        didSet { self.connection = Self.connection(of: self.phase) }
    }
    /// The connection when the app is running; kept with ``phase`` so that routing reads one
    /// reference instead of copying the phase enum (it holds an existential) to look inside.
    private(set) var connection: ConnectionHandle?
    /// The app's subscriptions; kept through reconnects and restarts until replaced.
    var subscriptions = SubscriptionSet()
    /// Whether the app ever completed init (so its removal changes the app state).
    var hasRun = false

    init(packageName: String, userId: String, phase: Phase) {
        self.packageName = packageName
        self.sessionId = userId + "-" + packageName
        self.dataStreamPrefix = OutboundMessage.dataStreamPrefix(sessionId: self.sessionId)
        self.phase = phase
        self.connection = Self.connection(of: phase)
    }

    private static func connection(of phase: Phase) -> ConnectionHandle? {
        if case .running(let handle) = phase { return handle }
        return nil
    }

    /// Whether an event of this stream goes to the app now: it is running and subscribed.
    func receives(_ stream: String) -> Bool {
        self.connection != nil && self.subscriptions.matches(stream)
    }

    /// Whether the app is running on exactly this connection.
    func isRunning(on handle: ConnectionHandle) -> Bool {
        self.connection === handle
    }

    /// Cancels the phase's timer, if any.
    func cancelTimer() {
        switch self.phase {
        case .loading(let timer, _), .reconnecting(let timer, _): timer.cancel()
        case .running: break
        }
    }
}
