import CEpollFloor
import Glibc

/// The floor of Swift itself: one thread, `epoll_wait`, non-blocking `accept4`, no NIO.
///
/// One 64 KiB receive buffer serves the whole loop; a connection holds input only while a frame
/// is cut by a read. Output is corked: answers are appended per connection during a loop pass
/// and written once per connection at the end of the pass (EPOLLOUT is armed only after a short
/// write). Regions go back to a pool, so steady state allocates nothing per message.
struct EpollFloor {
    /// One connection, in a table indexed by its descriptor.
    private struct Connection {
        enum Phase {
            case free
            case head
            case open
            case closing
        }

        var phase = Phase.free
        /// The start of a head or frame cut by a read; empty and without memory otherwise.
        var input = ByteRegion()
        /// This pass's answers, then what a short write left; empty and without memory once written.
        var output = ByteRegion()
        /// In `queued`, to be written at the end of the pass.
        var isQueued = false
        var isWatchingWritable = false
        /// The position in `room` (fan-out mode), or -1.
        var roomIndex = -1
    }

    private let mode: FloorMode
    private let epoll: Int32
    private let listener: Int32
    private let signals: Int32
    private var connections: [Connection] = []
    private var queued: [Int32] = []
    private var room: [Int32] = []
    private var spareRegions: [ByteRegion] = []
    private var fanoutFrame = ByteRegion()
    private let receiveBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
    private let events = UnsafeMutableBufferPointer<epoll_event>.allocate(capacity: 256)

    static func run(host: String, port: Int, mode: FloorMode, signals: sigset_t) throws {
        var floor = try EpollFloor(host: host, port: port, mode: mode, signals: signals)
        FloorSignals.announce("turnout-echo-floor: epoll floor, \(mode) mode, listening on \(host):\(floor.boundPort())")
        floor.serve()
    }

    private init(host: String, port: Int, mode: FloorMode, signals: sigset_t) throws(FloorStartError) {
        func failure(_ what: String) -> FloorStartError {
            FloorStartError(description: "cannot listen on \(host):\(port): \(what): \(String(cString: strerror(errno)))")
        }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw failure("socket") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw FloorStartError(description: "--host \(host) is not an IPv4 address (the epoll floor listens on IPv4 only)")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw failure("bind") }
        guard listen(listener, 1024) == 0 else { throw failure("listen") }
        var signalSet = signals
        let signalDescriptor = signalfd(-1, &signalSet, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        let epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard signalDescriptor >= 0, epoll >= 0 else { throw failure("signalfd or epoll_create1") }
        for fd in [listener, signalDescriptor] {
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: fd))
            guard epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 else { throw failure("epoll_ctl") }
        }
        self.mode = mode
        self.listener = listener
        self.signals = signalDescriptor
        self.epoll = epoll
    }

    private func boundPort() -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The loop, until SIGTERM or SIGINT; the process's exit closes the sockets.
    private mutating func serve() {
        while true {
            let ready = epoll_wait(epoll, events.baseAddress, Int32(events.count), -1)
            guard ready >= 0 else {
                if errno == EINTR { continue }
                FloorSignals.announce("turnout-echo-floor: epoll_wait failed: \(String(cString: strerror(errno)))")
                return
            }
            for event in events[..<Int(ready)] {
                let fd = event.data.fd
                if fd == listener {
                    acceptAll()
                } else if fd == signals {
                    return
                } else {
                    if event.events & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { readable(fd) }
                    if event.events & EPOLLOUT.rawValue != 0 && connections[Int(fd)].phase != .free { queue(fd) }
                }
            }
            var index = 0
            while index < queued.count {
                flush(queued[index])
                index += 1
            }
            queued.removeAll(keepingCapacity: true)
        }
    }

    private mutating func acceptAll() {
        while true {
            let fd = c_epoll_floor_accept(listener)
            guard fd >= 0 else { return }  // EAGAIN; or out of descriptors, retried on the next pass
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Int(fd) >= connections.count {
                connections.append(contentsOf: repeatElement(Connection(), count: max(Int(fd) + 1, connections.count * 2) - connections.count))
            }
            connections[Int(fd)].phase = .head
            var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: fd))
            if epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0 { close(fd: fd) }
        }
    }

    private mutating func readable(_ fd: Int32) {
        guard connections[Int(fd)].phase != .free else { return }  // closed earlier in this pass
        let count = read(fd, receiveBuffer.baseAddress, receiveBuffer.count)
        guard count > 0 else {
            if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
            close(fd: fd)  // end of stream, or a reset
            return
        }
        let received = UnsafeRawBufferPointer(rebasing: receiveBuffer[..<count])
        let index = Int(fd)
        if connections[index].input.isEmpty {
            let used = consume(received, from: fd)
            if used < count {
                connections[index].input = spareRegions.popLast() ?? ByteRegion()
                connections[index].input.append(UnsafeRawBufferPointer(rebasing: received[used...]))
            }
        } else {
            connections[index].input.append(received)
            let used = consume(connections[index].input.bytes, from: fd)
            connections[index].input.removeFirst(used)
            if connections[index].input.isEmpty {
                recycle(connections[index].input)
                connections[index].input = ByteRegion()
            }
        }
    }

    /// Answers the head or frames at the start of `input`; returns the bytes used.
    private mutating func consume(_ input: UnsafeRawBufferPointer, from fd: Int32) -> Int {
        var offset = 0
        switch connections[Int(fd)].phase {
        case .free, .closing:
            return input.count
        case .open:
            break
        case .head:
            switch FloorWire.requestHead(input) {
            case .incomplete:
                return 0
            case .answerAndClose(let response):
                append(response, to: fd)
                connections[Int(fd)].phase = .closing
                return input.count
            case .upgrade(let response, let headLength):
                append(response, to: fd)
                connections[Int(fd)].phase = .open
                if mode == .fanout {
                    connections[Int(fd)].roomIndex = room.count
                    room.append(fd)
                }
                offset = headLength
            }
        }
        let (used, closing) = FloorWire.consumeFrames(UnsafeRawBufferPointer(rebasing: input[offset...])) { frame in
            if case .message = frame, mode == .fanout {
                // Unmasked once, then copied to every member.
                fanoutFrame.removeAll()
                fanoutFrame.append(reserving: frame.length) { frame.write(into: $0) }
                let bytes = fanoutFrame.bytes
                for member in room {
                    append(to: member, reserving: bytes.count) {
                        $0.copyMemory(from: bytes)
                        return bytes.count
                    }
                }
            } else {
                append(to: fd, reserving: frame.length) { frame.write(into: $0) }
            }
        }
        if closing {
            connections[Int(fd)].phase = .closing
            leaveRoom(fd)
        }
        return offset + used
    }

    private mutating func append(to fd: Int32, reserving: Int, _ write: (UnsafeMutableRawBufferPointer) -> Int) {
        let index = Int(fd)
        if connections[index].output.capacity == 0 { connections[index].output = spareRegions.popLast() ?? ByteRegion() }
        connections[index].output.append(reserving: reserving, write)
        queue(fd)
    }

    private mutating func append(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { utf8 in
            append(to: fd, reserving: utf8.count) {
                $0.copyMemory(from: UnsafeRawBufferPointer(utf8))
                return utf8.count
            }
        }
    }

    private mutating func queue(_ fd: Int32) {
        guard !connections[Int(fd)].isQueued else { return }
        connections[Int(fd)].isQueued = true
        queued.append(fd)
    }

    /// Writes what the pass left for `fd`, once; closes a closing connection once all is written.
    private mutating func flush(_ fd: Int32) {
        let index = Int(fd)
        connections[index].isQueued = false
        guard connections[index].phase != .free else { return }
        let pending = connections[index].output.bytes
        if !pending.isEmpty {
            let written = send(fd, pending.baseAddress, pending.count, Int32(MSG_NOSIGNAL))
            if written >= 0 {
                connections[index].output.removeFirst(written)
            } else if errno != EAGAIN && errno != EINTR {
                close(fd: fd)
                return
            }
        }
        if connections[index].output.isEmpty {
            recycle(connections[index].output)
            connections[index].output = ByteRegion()
            if connections[index].phase == .closing {
                close(fd: fd)
            } else if connections[index].isWatchingWritable {
                watch(fd, writable: false)
            }
        } else if !connections[index].isWatchingWritable {
            watch(fd, writable: true)
        }
    }

    private mutating func watch(_ fd: Int32, writable: Bool) {
        connections[Int(fd)].isWatchingWritable = writable
        var event = epoll_event(events: EPOLLIN.rawValue | (writable ? EPOLLOUT.rawValue : 0), data: epoll_data_t(fd: fd))
        epoll_ctl(epoll, EPOLL_CTL_MOD, fd, &event)
    }

    private mutating func leaveRoom(_ fd: Int32) {
        let position = connections[Int(fd)].roomIndex
        guard position >= 0 else { return }
        let last = room.removeLast()
        if last != fd {
            room[position] = last
            connections[Int(last)].roomIndex = position
        }
        connections[Int(fd)].roomIndex = -1
    }

    private mutating func close(fd: Int32) {
        leaveRoom(fd)
        recycle(connections[Int(fd)].input)
        recycle(connections[Int(fd)].output)
        connections[Int(fd)] = Connection()
        Glibc.close(fd)  // also takes it out of the epoll set
    }

    /// Keeps a region's memory for the next connection that needs one (a large one is freed).
    private mutating func recycle(_ region: ByteRegion) {
        var region = region
        guard region.capacity > 0 else { return }
        if region.capacity > 1 << 20 || spareRegions.count >= 1024 {
            region.free()
        } else {
            region.removeAll()
            spareRegions.append(region)
        }
    }
}
