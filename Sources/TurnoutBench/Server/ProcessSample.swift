import Foundation

/// CPU time and resident memory of a process at one moment, read from `/proc` (or
/// `getrusage` for the bench itself).
package struct ProcessSample: Sendable {
    /// User plus system CPU time, in seconds.
    package var cpuSeconds: Double
    /// Resident set size in KiB; `nil` when unknown.
    package var rssKiB: Double?
    /// When the sample was taken (monotonic nanoseconds).
    package var at: UInt64

    /// The bench process itself, from `getrusage(RUSAGE_SELF)`.
    static func ownProcess() -> ProcessSample {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let seconds = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        return .init(cpuSeconds: seconds, rssKiB: Double(usage.ru_maxrss), at: MonotonicClock.nanoseconds)
    }

    /// Process `pid`, from `/proc/PID/stat` (utime + stime) and `/proc/PID/status` (VmRSS);
    /// `nil` when the process is gone or `/proc` is unreadable.
    static func process(_ pid: Int32) -> ProcessSample? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        else { return nil }
        return Self.parse(stat: stat, status: status, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Parses `/proc/PID/stat` and `/proc/PID/status` text.
    package static func parse(stat: String, status: String, ticksPerSecond: Double) -> ProcessSample? {
        // The command name may hold spaces and parentheses; the fields start after the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        var rss: Double?
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            rss = line.split(separator: " ").dropFirst().first.flatMap { Double($0) }
        }
        return .init(cpuSeconds: (user + system) / ticksPerSecond, rssKiB: rss, at: MonotonicClock.nanoseconds)
    }

    /// CPU use between `earlier` and this sample, in percent of one core.
    func cpuPercent(since earlier: ProcessSample) -> Double {
        let wall = Double(self.at &- earlier.at) / 1e9
        guard wall > 0 else { return 0 }
        return (self.cpuSeconds - earlier.cpuSeconds) / wall * 100
    }
}
