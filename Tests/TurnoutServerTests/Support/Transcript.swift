import Foundation
import TurnoutTestSupport

/// What the clients of one scenario received, as lines that can be compared across stacks.
///
/// Timestamps are replaced by `<ts>`: they are the only part of a frame that may differ between
/// two runs. Pings and pongs are left out, since the heartbeat runs on its own schedule.
final class Transcript: Sendable {
    private let recorded = LockedBox<[String]>([])

    var lines: [String] { recorded.withLockedValue { $0 } }

    /// Records a note (a step of the scenario), so a diff shows where two runs part.
    func note(_ text: String) {
        recorded.withLockedValue { $0.append("-- \(text)") }
    }

    /// Waits for `client`'s next message (skipping pings and pongs), records it and returns it.
    @discardableResult
    func receive(_ who: String, from client: RawWebSocketClient) async -> RawWebSocketClient.Event {
        let event = await client.nextMessage()
        recorded.withLockedValue { $0.append("\(who) ← \(Self.describe(event))") }
        return event
    }

    /// Receives until the TCP connection closes.
    func receiveUntilClosed(_ who: String, from client: RawWebSocketClient) async {
        while await receive(who, from: client) != .closed {}
    }

    static func describe(_ event: RawWebSocketClient.Event) -> String {
        switch event {
        case .closed:
            return "tcp closed"
        case .frame(let frame):
            switch frame.opcode {
            case 1: return "text " + normalise(frame.text)
            case 2: return "binary \(frame.payload.count) bytes \(frame.payload.prefix(4).map { String($0) }.joined(separator: ","))"
            case 8: return "close \(frame.closeCode.map(String.init) ?? "-") \(frame.closeReason)"
            default: return "opcode \(frame.opcode) \(frame.payload.count) bytes"
            }
        }
    }

    static func normalise(_ text: String) -> String {
        text.replacingOccurrences(of: #""timestamp":"[0-9T:.\-]+Z""#, with: #""timestamp":"<ts>""#, options: .regularExpression)
    }
}

extension RawWebSocketClient {
    /// The next event that is not a ping or a pong.
    func nextMessage() async -> Event {
        while true {
            let event = await next()
            if case .frame(let frame) = event, frame.opcode == 9 || frame.opcode == 10 { continue }
            return event
        }
    }

    /// The text of the next message, or `nil` if it is not text.
    func nextText() async -> String? {
        guard case .frame(let frame) = await nextMessage(), frame.opcode == 1 else { return nil }
        return frame.text
    }
}
