import Foundation

/// A `turnout serve` the bench started itself, with generated flags.yaml and apps.yaml in a
/// temporary directory; stopped with SIGTERM (then SIGKILL after 10 s) when the run ends.
final class SpawnedServer: Sendable {
    /// The public port.
    let port: Int
    /// The admin port.
    let adminPort: Int
    /// The process id, for `/proc` sampling.
    let pid: Int32
    /// Where flags.yaml, apps.yaml and server.log are.
    let directory: URL
    private let process: Process

    private init(port: Int, adminPort: Int, process: Process, directory: URL) {
        self.port = port
        self.adminPort = adminPort
        self.process = process
        self.pid = process.processIdentifier
        self.directory = directory
    }

    /// Writes the two files and starts `executable serve --echo` on free loopback ports.
    ///
    /// - Parameters:
    ///   - executable: The turnout binary (`/proc/self/exe` resolved: the bench's own).
    ///   - serverCPUs: When set, the server runs under `taskset -c serverCPUs`.
    ///   - secret: The JWT secret the server gets in `AUGMENTOS_AUTH_JWT_SECRET`.
    /// - Throws: ``BenchError/serverStart(_:)``.
    ///   - faults: `--inject-fault` values for the server (drills); they come with
    ///     `TURNOUT_ALLOW_FAULTS=1` and `--fault-seed faultSeed`.
    static func start(
        executable: String,
        serverCPUs: String?,
        secret: String,
        flags: String,
        apps: String,
        faults: [String] = [],
        faultSeed: UInt64 = 0
    ) throws -> SpawnedServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "turnout-bench-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        )
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try flags.write(to: directory.appendingPathComponent("flags.yaml"), atomically: true, encoding: .utf8)
            try apps.write(to: directory.appendingPathComponent("apps.yaml"), atomically: true, encoding: .utf8)
        } catch {
            throw BenchError.serverStart("cannot write the server's files in \(directory.path): \(error)")
        }
        let port = try FreePort.pick()
        let adminPort = try FreePort.pick()
        let resolved = (try? FileManager.default.destinationOfSymbolicLink(atPath: executable)) ?? executable
        var arguments = [
            "serve", "--echo", "--host", "127.0.0.1", "--port", "\(port)", "--admin-port", "\(adminPort)",
            "--flags", directory.appendingPathComponent("flags.yaml").path, "--apps", directory.appendingPathComponent("apps.yaml").path,
            "--log-level", "warning",
            // The load comes from this one address, up to 20,000 idle sockets and a burst of
            // handshakes at once: lift the caps that protect a production port.
            "--max-connections", "10000000", "--max-connections-per-ip", "10000000", "--max-pending-upgrades", "100000",
        ]
        for fault in faults { arguments += ["--inject-fault", fault] }
        if !faults.isEmpty { arguments += ["--fault-seed", "\(faultSeed)"] }
        let process = Process()
        if let serverCPUs {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            arguments = ["-c", serverCPUs, resolved] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: resolved)
        }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["AUGMENTOS_AUTH_JWT_SECRET"] = secret
        environment.removeValue(forKey: "TURNOUT_DEV")
        if !faults.isEmpty { environment["TURNOUT_ALLOW_FAULTS"] = "1" }
        process.environment = environment
        let logURL = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        if let log = try? FileHandle(forWritingTo: logURL) {
            process.standardOutput = log
            process.standardError = log
        }
        do {
            try process.run()
        } catch {
            throw BenchError.serverStart("cannot start \(process.executableURL?.path ?? resolved): \(error)")
        }
        return SpawnedServer(port: port, adminPort: adminPort, process: process, directory: directory)
    }

    /// Whether the process is still running.
    var isRunning: Bool { self.process.isRunning }

    /// SIGTERM, then SIGKILL if it has not exited within 10 s.
    func stop() async {
        guard self.process.isRunning else { return }
        self.process.terminate()
        for _ in 0..<100 where self.process.isRunning {
            try? await Task.sleep(for: .milliseconds(100))
        }
        if self.process.isRunning { kill(self.pid, SIGKILL) }
    }
}
