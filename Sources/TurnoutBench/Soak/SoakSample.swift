import Foundation

/// The server's resources at one quiescent point of a soak: after a step's churn has settled,
/// with every user connected and every app running, so that samples compare like with like.
package struct SoakSample: Codable, Hashable, Sendable {
    /// Seconds since the load started.
    package var elapsedSeconds: Double
    /// The step (cycle) it ends, from 1.
    package var step: Int
    /// The native-transport percentage of the step.
    package var percent: Int
    /// Open connections, from `/admin/connections`.
    package var connections: Int
    /// Resident set size (`VmRSS` of `/proc/PID/status`), KiB.
    package var rssKiB: Int
    /// Open descriptors (the entries of `/proc/PID/fd`).
    package var descriptors: Int
    /// Threads (`Threads` of `/proc/PID/status`).
    package var threads: Int

    /// Creates a sample from every field.
    package init(elapsedSeconds: Double, step: Int, percent: Int, connections: Int, rssKiB: Int, descriptors: Int, threads: Int) {
        self.elapsedSeconds = elapsedSeconds
        self.step = step
        self.percent = percent
        self.connections = connections
        self.rssKiB = rssKiB
        self.descriptors = descriptors
        self.threads = threads
    }

    /// The CSV header ``csvLine`` follows.
    package static let csvHeader = "elapsed_s,step,percent,connections,rss_kib,fds,threads"

    /// The sample as one CSV line.
    package var csvLine: String {
        "\(ResultTable.number(self.elapsedSeconds, decimals: 1).replacingOccurrences(of: ",", with: "")),\(self.step),\(self.percent),\(self.connections),\(self.rssKiB),\(self.descriptors),\(self.threads)"
    }

    /// Reads process `pid`'s RSS, descriptors and threads from `/proc`; `nil` when it is gone.
    static func resources(of pid: Int32) -> (rssKiB: Int, descriptors: Int, threads: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")
        else { return nil }
        guard let rss = Self.field("VmRSS:", in: status), let threads = Self.field("Threads:", in: status) else { return nil }
        return (rss, descriptors.count, threads)
    }

    /// The first number after `name` on its line of `/proc/PID/status`.
    package static func field(_ name: String, in status: String) -> Int? {
        for line in status.split(separator: "\n") where line.hasPrefix(name) {
            return line.dropFirst(name.count).split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        }
        return nil
    }
}
