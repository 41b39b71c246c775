import Foundation
import NIOCore

/// How many cores this process may actually run on: the default size of an event-loop group.
///
/// NIO's `System.coreCount` honours cgroup quotas and cpusets but not the CPU affinity mask
/// that `taskset` sets, so a server pinned to one core of two would run two event loops that
/// take turns on that core. This reads the mask as well and takes the smaller count.
package enum UsableCores {
    /// The smaller of `System.coreCount` and the number of CPUs in this process's affinity
    /// mask; at least 1. Where the mask cannot be read, `System.coreCount`.
    package static var count: Int {
        let system = System.coreCount
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let allowed = Self.allowedCPUs(procStatus: status)
        else { return max(1, system) }
        return max(1, min(system, allowed))
    }

    /// The CPU count of the `Cpus_allowed:` line of a `/proc/<pid>/status` text (a hex mask in
    /// comma-separated 32-bit groups, e.g. `ff,ffffffff`), or `nil` without a readable line.
    package static func allowedCPUs(procStatus: String) -> Int? {
        for line in procStatus.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
            var count = 0
            for character in line.dropFirst("Cpus_allowed:".count) where character != "," && !character.isWhitespace {
                guard let nibble = character.hexDigitValue else { return nil }
                count += nibble.nonzeroBitCount
            }
            return count
        }
        return nil
    }
}
