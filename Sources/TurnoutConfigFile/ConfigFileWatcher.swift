import Foundation
package import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Watches one configuration file and reports each change of what it holds.
///
/// It watches the file's *directory* with inotify, so the three ways files change in practice
/// are all seen: a write in place, an editor's write-then-rename, and a Kubernetes ConfigMap
/// swapping its `..data` symlink. It also polls (once a second by default), in case inotify is
/// unavailable or misses an event (network file systems, an overflowing queue), and reads at
/// once when asked (``requestReload()``; the server asks on SIGHUP, the watcher itself traps no
/// signal).
///
/// Bursts of events are debounced: the file is read once the directory has been quiet for
/// ``Configuration/debounce``, or at the latest ``Configuration/maximumDelay`` after the first
/// event. A state is delivered only when it differs from the last one delivered, except for a
/// requested reload, which is always delivered.
///
/// The watcher runs on a dedicated thread, because inotify and `poll(2)` block; nothing it does
/// touches the Swift concurrency pool.
package final class ConfigFileWatcher: Sendable {
    /// Timing of the watcher, and how it learns of changes between polls.
    package struct Configuration: Sendable {
        /// Quiet time after the last event before the file is read. Default 50 ms.
        package var debounce: Duration
        /// The longest a read waits while events keep arriving. Default 500 ms.
        package var maximumDelay: Duration
        /// How often the file is read regardless of events. Default 1 s.
        package var pollInterval: Duration
        /// How changes are noticed between polls. Default ``FileEvents/inotify``.
        package var fileEvents: FileEvents

        /// Creates a configuration; the defaults suit production.
        package init(
            debounce: Duration = .milliseconds(50),
            maximumDelay: Duration = .milliseconds(500),
            pollInterval: Duration = .seconds(1),
            fileEvents: FileEvents = .inotify
        ) {
            self.debounce = debounce
            self.maximumDelay = maximumDelay
            self.pollInterval = pollInterval
            self.fileEvents = fileEvents
        }
    }

    /// How the watcher learns of changes between polls.
    package struct FileEvents: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case inotify
            case pollOnly
        }

        private let base: Base

        /// inotify on the file's directory, with the poll as a fallback. If inotify cannot be set
        /// up (`inotify_init1` fails: no kernel support, the instance limit reached), the watcher
        /// logs a warning and polls only.
        package static var inotify: Self { .init(base: .inotify) }
        /// The poll alone: for file systems where inotify sees nothing (some network and FUSE
        /// mounts), and for tests that prove the poll catches a change by itself.
        package static var pollOnly: Self { .init(base: .pollOnly) }

        package var description: String { base.rawValue }
    }

    /// The watched path, as given.
    package let path: String
    private let directory: String
    private let configuration: Configuration
    private let logger: Logger
    /// A self-pipe that wakes the watcher thread: `r` asks for a reload, `q` ends it.
    private let wakeReadFD: Int32
    private let wakeWriteFD: Int32

    /// Creates a watcher for `path`; nothing happens until ``run(baseline:onReady:onChange:)``.
    package init(path: String, configuration: Configuration = .init(), logger: Logger) {
        self.path = path
        let url = URL(fileURLWithPath: path)
        self.directory = url.deletingLastPathComponent().path
        self.configuration = configuration
        self.logger = logger
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) != 0 {
            fatalError("pipe(2) failed: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        self.wakeReadFD = fds[0]
        self.wakeWriteFD = fds[1]
    }

    deinit {
        close(wakeReadFD)
        close(wakeWriteFD)
    }

    /// Asks for an immediate read that is delivered (trigger `request`) even if nothing changed.
    ///
    /// Safe from any thread; a request made before ``run(baseline:onReady:onChange:)`` starts is
    /// performed as soon as it does.
    package func requestReload() {
        wake(UInt8(ascii: "r"))
    }

    /// Watches until the calling task is cancelled.
    ///
    /// - Parameters:
    ///   - baseline: The state the caller already has, so only later changes are delivered.
    ///   - onReady: Called once the directory watch is in place (or the watcher has settled for
    ///     polling), before any change is looked for.
    ///   - onChange: Called on the watcher thread, one call at a time, with each new state and why
    ///     it is delivered: `event`, `poll` or `request` (never `startup`).
    /// - Important: Call it once per watcher.
    package func run(
        baseline: WatchedFileState,
        onReady: @escaping @Sendable () -> Void = {},
        onChange: @escaping @Sendable (WatchedFileState, ReloadEvent.Trigger) -> Void
    ) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    self.watchLoop(baseline: baseline, onReady: onReady, onChange: onChange)
                    continuation.resume()
                }
                thread.name = "turnout-watch"
                thread.start()
            }
        } onCancel: {
            wake(UInt8(ascii: "q"))
        }
    }

    private func wake(_ byte: UInt8) {
        var byte = byte
        _ = write(wakeWriteFD, &byte, 1)
    }

    private func watchLoop(baseline: WatchedFileState, onReady: () -> Void, onChange: (WatchedFileState, ReloadEvent.Trigger) -> Void) {
        let clock = ContinuousClock()
        var last = baseline
        let inotify: DirectoryWatch?
        if configuration.fileEvents == .pollOnly {
            logger.debug("file events off; polling only", metadata: ["file": "\(path)", "interval": "\(configuration.pollInterval)"])
            inotify = nil
        } else {
            inotify = DirectoryWatch(directory: directory, logger: logger)
        }
        inotify?.watch()
        var nextPoll = clock.now + configuration.pollInterval
        var firstEvent: ContinuousClock.Instant?
        var lastEvent = clock.now
        var requested = false
        onReady()

        while true {
            let now = clock.now
            var deadline = nextPoll
            if let firstEvent {
                deadline = min(deadline, min(lastEvent + configuration.debounce, firstEvent + configuration.maximumDelay))
            }
            var fds = [pollfd(fd: wakeReadFD, events: Int16(POLLIN), revents: 0)]
            if let inotify {
                fds.append(pollfd(fd: inotify.fd, events: Int16(POLLIN), revents: 0))
            }
            let timeout = requested ? 0 : max(0, Self.milliseconds(deadline - now))
            let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: timeout))
            if ready < 0 && errno != EINTR {
                logger.error("poll(2) failed while watching", metadata: ["file": "\(path)", "error": "\(String(cString: strerror(errno)))"])
            }
            if fds[0].revents & Int16(POLLIN) != 0 {
                for byte in drain(wakeReadFD) {
                    if byte == UInt8(ascii: "q") { return }
                    if byte == UInt8(ascii: "r") { requested = true }
                }
            }
            if fds.count > 1, fds[1].revents & Int16(POLLIN) != 0, let inotify {
                switch inotify.readEvents() {
                case .changed:
                    lastEvent = clock.now
                    if firstEvent == nil { firstEvent = lastEvent }
                case .watchLost:
                    // The directory itself went or was replaced: watch whatever is there now (the
                    // poll retries if nothing is), and read the file as for any other event.
                    inotify.watch()
                    lastEvent = clock.now
                    if firstEvent == nil { firstEvent = lastEvent }
                case .nothing:
                    break
                }
            }

            let current = clock.now
            let eventsSettled =
                firstEvent.map { current >= lastEvent + configuration.debounce || current >= $0 + configuration.maximumDelay } ?? false
            let pollDue = current >= nextPoll
            guard requested || eventsSettled || pollDue else { continue }

            let state = WatchedFileState.read(path: path)
            let trigger: ReloadEvent.Trigger = requested ? .request : (eventsSettled ? .event : .poll)
            if requested || state != last {
                last = state
                onChange(state, trigger)
            }
            requested = false
            if eventsSettled { firstEvent = nil }
            if pollDue {
                nextPoll = current + configuration.pollInterval
                if let inotify, !inotify.isWatching {
                    inotify.watch()
                }
            }
        }
    }

    private func drain(_ fd: Int32) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 64)
        var bytes: [UInt8] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return bytes }
            bytes.append(contentsOf: buffer[0..<count])
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}

/// An inotify instance watching one directory, owned by the watcher thread.
///
/// The instance is made once; the watch on the directory is added again whenever it is lost
/// (the directory deleted or replaced) or could not be added yet (the directory does not exist).
private final class DirectoryWatch {
    enum Outcome {
        case nothing
        case changed
        /// The directory went away or was replaced; the watch must be added again.
        case watchLost
    }

    let fd: Int32
    private let directory: String
    private let logger: Logger
    /// The current watch descriptor, or `nil` while the directory is not watched.
    private var descriptor: Int32?

    /// Creates the inotify instance, or logs why it cannot and returns `nil`: the watcher then polls only.
    init?(directory: String, logger: Logger) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else {
            logger.warning("inotify unavailable; polling only", metadata: ["error": "\(String(cString: strerror(errno)))"])
            return nil
        }
        self.fd = fd
        self.directory = directory
        self.logger = logger
    }

    deinit {
        close(fd)
    }

    /// Whether the directory is being watched now.
    var isWatching: Bool { descriptor != nil }

    /// Adds the watch on the directory; on failure the directory stays unwatched until the next try.
    func watch() {
        let changes = UInt32(IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB)
        let mask = changes | UInt32(IN_DELETE_SELF | IN_MOVE_SELF)
        let descriptor = inotify_add_watch(fd, directory, mask)
        guard descriptor >= 0 else {
            let error = String(cString: strerror(errno))
            logger.debug("cannot watch directory yet; polling", metadata: ["directory": "\(directory)", "error": "\(error)"])
            self.descriptor = nil
            return
        }
        self.descriptor = descriptor
    }

    /// Reads every pending event and sums them up.
    func readEvents() -> Outcome {
        var outcome = Outcome.nothing
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return outcome }
            var offset = 0
            while offset + MemoryLayout<inotify_event>.size <= count {
                let (descriptor, mask, length) = buffer.withUnsafeBytes { raw in
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    return (event.wd, event.mask, Int(event.len))
                }
                if mask & UInt32(IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                    // Only the loss of the current watch matters; a replaced watch's IN_IGNORED comes late.
                    if descriptor == self.descriptor {
                        self.descriptor = nil
                        outcome = .watchLost
                    } else if case .nothing = outcome {
                        outcome = .changed
                    }
                } else if case .nothing = outcome {
                    // Any other event, IN_Q_OVERFLOW included: something changed, read the file.
                    outcome = .changed
                }
                offset += MemoryLayout<inotify_event>.size + length
            }
        }
    }
}
