import NIOCore

/// Nanoseconds on the monotonic clock, the time base of every latency the bench records.
///
/// Glasses→app latencies compare a value carried in the message with this clock in the same
/// process, so they need no clock synchronisation.
enum MonotonicClock {
    @inline(__always)
    static var nanoseconds: UInt64 { NIODeadline.now().uptimeNanoseconds }
}
