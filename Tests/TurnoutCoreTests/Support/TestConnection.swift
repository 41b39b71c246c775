import NIOConcurrencyHelpers
import NIOCore
import TurnoutCore

/// An in-memory ``Connection`` that records everything the core does to it.
final class TestConnection: Connection {
    /// One thing the core did to the connection.
    enum Event: Equatable, CustomStringConvertible {
        case text(String)
        case binary([UInt8])
        case close(code: UInt16, reason: String)
        case ping

        var description: String {
            switch self {
            case .text(let text): "text \(text)"
            case .binary(let bytes): "binary \(bytes)"
            case .close(let code, let reason): "close \(code) \(reason)"
            case .ping: "ping"
            }
        }
    }

    private struct State {
        var events: [Event] = []
        var closed = false
        var handle: ConnectionHandle?
        /// `whenWritten` callbacks of closes not yet "written"; see ``completeWrites()``.
        var unwritten: [@Sendable () -> Void] = []
    }

    let identity: ConnectionIdentity
    /// When set, `close` reports the close to the core synchronously, from inside the core's call.
    let reportsCloseSynchronously: Bool
    private let state = NIOLockedValueBox(State())

    init(_ identity: ConnectionIdentity, reportsCloseSynchronously: Bool = false) {
        self.identity = identity
        self.reportsCloseSynchronously = reportsCloseSynchronously
    }

    /// Remembers the handle so that `close` can report back.
    func attach(_ handle: ConnectionHandle) {
        self.state.withLockedValue { $0.handle = handle }
    }

    func sendText(_ text: ByteBuffer) -> SendResult {
        self.state.withLockedValue { state in
            guard !state.closed else { return .dropped }
            state.events.append(.text(String(buffer: text)))
            return .accepted
        }
    }

    func sendBinary(_ data: ByteBuffer) -> SendResult {
        self.state.withLockedValue { state in
            guard !state.closed else { return .dropped }
            state.events.append(.binary(Array(data.readableBytesView)))
            return .accepted
        }
    }

    func close(code: UInt16, reason: String) {
        let handle = self.state.withLockedValue { state -> ConnectionHandle? in
            guard !state.closed else { return nil }
            state.closed = true
            state.events.append(.close(code: code, reason: reason))
            return state.handle
        }
        if self.reportsCloseSynchronously, let handle {
            handle.connectionClosed(code: code, reason: reason)
        }
    }

    /// Records the close; `written` waits for ``completeWrites()``, as a socket's write would.
    func close(code: UInt16, reason: String, whenWritten written: @escaping @Sendable () -> Void) {
        let alreadyClosed = self.state.withLockedValue { state -> Bool in
            if state.closed { return true }
            state.unwritten.append(written)
            return false
        }
        if alreadyClosed {
            written()
            return
        }
        self.close(code: code, reason: reason)
    }

    /// Completes the writes of the closes recorded so far, calling their `whenWritten`.
    func completeWrites() {
        let callbacks = self.state.withLockedValue { state in
            defer { state.unwritten.removeAll() }
            return state.unwritten
        }
        for callback in callbacks { callback() }
    }

    func ping() {
        self.state.withLockedValue { $0.events.append(.ping) }
    }

    /// Everything recorded so far.
    var events: [Event] {
        self.state.withLockedValue { $0.events }
    }

    /// The recorded events, forgetting them.
    func takeEvents() -> [Event] {
        self.state.withLockedValue { state in
            defer { state.events.removeAll() }
            return state.events
        }
    }

    /// The recorded text frames, forgetting every event.
    func takeTexts() -> [String] {
        self.takeEvents().compactMap { event in
            if case .text(let text) = event { return text }
            return nil
        }
    }

    /// Whether the core closed the connection.
    var isClosed: Bool {
        self.state.withLockedValue { $0.closed }
    }
}
