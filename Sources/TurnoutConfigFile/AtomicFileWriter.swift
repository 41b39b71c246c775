#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces a file's contents atomically: a reader (the server's watcher) sees the old bytes or
/// the new ones, never a half-written file.
///
/// The bytes go to a temporary file in the same directory, which gets the old file's mode, is
/// flushed with `fsync` and renamed over the file; the directory is then synced so the rename
/// survives a crash. A symlink at the path (a Kubernetes ConfigMap's, say) is followed, so the
/// file it points to is replaced and the link stays.
package enum AtomicFileWriter {
    /// Why a write failed, for people: `cannot write flags.yaml: Permission denied`.
    package struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The sentence to show.
        package var description: String
    }

    /// Writes `bytes` to `path` atomically, keeping the file's mode (0644 for a new file).
    ///
    /// - Throws: ``Failure`` naming the step that failed; the original file is then untouched.
    package static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let target = resolved(path)
        let slash = target.lastIndex(of: "/")
        let directory = slash.map { $0 == target.startIndex ? "/" : String(target[..<$0]) } ?? "."
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        var info = stat()
        let mode = stat(target, &info) == 0 ? info.st_mode & 0o7777 : 0o644

        var template = Array("\(directory)/.\(name).XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw failure("cannot create a temporary file in \(directory)") }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = failure("cannot write \(temporary)")
                close(fd)
                unlink(temporary)
                throw error
            }
            written += count
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else {
            let error = failure("cannot set the mode of or sync \(temporary)")
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let error = failure("cannot rename \(temporary) to \(target)")
            unlink(temporary)
            throw error
        }
        let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
    }

    /// The path with every symlink resolved; the path itself when it does not exist yet.
    private static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    private static func failure(_ what: String) -> Failure {
        Failure(description: "\(what): \(String(cString: strerror(errno)))")
    }
}
