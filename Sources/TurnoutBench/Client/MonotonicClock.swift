import NIOCore

/// Nanoseconds on the monotonic clock, the time base of every latency the bench records.
///
/// Glasses→app latencies compare a value carried in the message with this clock in the same
/// process, so they need no clock synchronisation.
enum MonotonicClock {
    @inline(__always)
    static var nanoseconds: UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// The clock's reading `duration` from now: a measurement's deadline.
    static func deadline(after duration: Duration) -> UInt64 {
        Self.nanoseconds + UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }
}
