package import NIOCore
import Synchronization
import TurnoutCore
import TurnoutTransport

/// The members of a ``FanoutRoom`` that live on one event loop.
///
/// ## Threading
/// The member list is touched only on ``loop`` (a `NIOLoopBoundBox` checks it), so joining,
/// leaving and delivering take no lock. ``memberCount`` is an atomic that any thread may read:
/// publishers on other loops use it to skip a loop with nobody on it.
package final class FanoutShard: Sendable {
    /// The loop whose connections this shard holds.
    package let loop: any EventLoop
    private let members: NIOLoopBoundBox<[FanoutResponder]>
    private let count = Atomic<Int>(0)

    /// Creates an empty shard; callable from any thread.
    init(loop: any EventLoop) {
        self.loop = loop
        self.members = .makeBoxSendingValue([], eventLoop: loop)
    }

    /// Members on this loop now (relaxed: exact once joins and leaves have settled).
    package var memberCount: Int { self.count.load(ordering: .relaxed) }

    /// Adds `member`; call on ``loop``.
    func add(_ member: FanoutResponder) {
        self.members.value.append(member)
        self.count.add(1, ordering: .relaxed)
    }

    /// Removes `member` if it is here (order is not kept); call on ``loop``.
    func remove(_ member: FanoutResponder) {
        self.members.withValue { members in
            guard let index = members.firstIndex(where: { $0 === member }) else { return }
            members.swapAt(index, members.count - 1)
            members.removeLast()
            self.count.subtract(1, ordering: .relaxed)
        }
    }

    /// Sends `message` to every member on this loop; call on ``loop``.
    ///
    /// The buffer is shared, not copied: every connection writes the same bytes. The loop walks
    /// a copy of the list (a reference, copied only if it changes), because a send can close a
    /// socket and its member leaves the list from inside the send.
    func deliver(_ message: FanoutRoom.Message) {
        let members = self.members.value
        switch message {
        case .text(let text):
            for member in members { _ = member.connection.sendText(text) }
        case .binary(let data):
            for member in members { _ = member.connection.sendBinary(data) }
        }
    }
}
