import NIOCore

/// One side effect a session decided under its lock and performs after releasing it.
///
/// Actions are performed in the order they were decided, by one thread at a time per user
/// (see ``UserSession``), which is what keeps per-user order without I/O under a lock.
enum OutboundAction: Sendable {
    /// Send a text frame.
    case text(ConnectionHandle, ByteBuffer)
    /// Send a binary frame.
    case binary(ConnectionHandle, ByteBuffer)
    /// Close a connection; then, once the close frame (and so every frame before it) is written,
    /// start this webhook delivery.
    case close(ConnectionHandle, code: UInt16, reason: String, then: WebhookRequest? = nil)
    /// Start a webhook delivery.
    case webhook(WebhookRequest)
}

/// A user's queue of decided actions, and whether some thread is performing them.
struct Outbox: Sendable {
    private(set) var pending: [OutboundAction] = []
    private var draining = false

    mutating func append(_ action: OutboundAction) {
        self.pending.append(action)
    }

    /// Hands the pending actions to the caller, who becomes the drainer, unless another thread is draining.
    mutating func takeIfIdle() -> [OutboundAction]? {
        guard !self.draining, !self.pending.isEmpty else { return nil }
        self.draining = true
        var batch: [OutboundAction] = []
        swap(&batch, &self.pending)
        return batch
    }

    /// Called by the drainer with its emptied batch: swaps in the next actions, or stops draining.
    ///
    /// - Returns: `true` when `batch` now holds more actions to perform.
    mutating func continueDraining(_ batch: inout [OutboundAction]) -> Bool {
        swap(&batch, &self.pending)
        if batch.isEmpty {
            self.draining = false
            return false
        }
        return true
    }
}
