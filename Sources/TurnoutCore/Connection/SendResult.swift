/// What a connection did with one outbound frame.
///
/// Sends are fire-and-forget for the core: it never waits and never retries. It counts every
/// result other than ``accepted`` as a backpressure event (`turnout_backpressure_events_total`)
/// so that the stacks' behaviour under load can be compared.
package enum SendResult: String, Sendable, Hashable {
    /// The frame was handed to the socket (or its write buffer) and no limit was near.
    case accepted
    /// The frame was buffered behind earlier frames because the socket is not writable right now.
    case queued
    /// The frame was discarded: the connection is closing or closed, or its buffer limit is reached.
    case dropped
}
