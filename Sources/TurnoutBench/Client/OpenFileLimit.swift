import Foundation

/// The bench's limit on open files (`RLIMIT_NOFILE`): every connection is one descriptor in the
/// bench, and one more in a server it spawns (which inherits the limit).
enum OpenFileLimit {
    /// Descriptors the bench needs beyond its connections: event loops, the webhook server,
    /// admin requests, standard streams.
    static let overhead = 64

    /// Makes room for `connections` connections, raising the soft limit up to the hard limit if
    /// it is too low.
    ///
    /// - Parameter connections: The connections one measurement holds open at once.
    /// - Returns: A line for the operator when the soft limit was raised; `nil` when it was enough.
    /// - Throws: ``BenchError/invalidOption(_:)`` when even the hard limit is too low, saying how
    ///   many descriptors are needed and how to get them.
    static func ensure(connections: Int) throws(BenchError) -> String? {
        let needed = connections + Self.overhead
        var limit = rlimit()
        guard Self.get(&limit) else { return "could not read the open-file limit (getrlimit: errno \(errno)); going on" }
        let soft = Int(clamping: limit.rlim_cur)
        let hard = Int(clamping: limit.rlim_max)
        if needed <= soft { return nil }
        guard needed <= hard else {
            throw .invalidOption(
                "\(connections) connections need about \(needed) open files in the bench (and as many in a spawned server), "
                    + "but the hard limit is \(hard) (ulimit -Hn); raise it (as root: ulimit -Hn \(needed), or LimitNOFILE= under systemd) "
                    + "or use fewer connections"
            )
        }
        limit.rlim_cur = limit.rlim_max
        guard Self.set(&limit) else {
            throw .invalidOption(
                "\(connections) connections need about \(needed) open files, but raising the limit from \(soft) to \(hard) failed (setrlimit: errno \(errno))"
            )
        }
        return "raised the open-file limit (RLIMIT_NOFILE) from \(soft) to its hard limit \(hard) for \(connections) connections"
    }

    private static func get(_ limit: inout rlimit) -> Bool {
        #if os(Linux)
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0
        #else
        getrlimit(RLIMIT_NOFILE, &limit) == 0
        #endif
    }

    private static func set(_ limit: inout rlimit) -> Bool {
        #if os(Linux)
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0
        #else
        setrlimit(RLIMIT_NOFILE, &limit) == 0
        #endif
    }
}
