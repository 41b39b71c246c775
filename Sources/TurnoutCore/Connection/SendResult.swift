/// What a connection did with one outbound frame.
///
/// Sends are fire-and-forget for the core: it never waits and never retries. It counts accepted
/// and queued frames as sent; the stacks count their backpressure events by kind
/// (`turnout_backpressure_events_total{stack,kind}`) so the stacks' behaviour under load can be compared.
package enum SendResult: String, Sendable, Hashable {
    /// The frame was handed to the socket (or its write buffer) and no limit was near.
    case accepted
    /// The frame was buffered behind earlier frames because the socket is not writable right now.
    case queued
    /// The frame was discarded: the connection is closing or closed, or its buffer limit is reached.
    case dropped
}
