import Foundation

/// A `turnout` process the test talks to while it runs: its stdout read line by line as it
/// comes, so a test waits on what the process prints rather than on time.
final class RunningProcess: @unchecked Sendable {
    // @unchecked: `lines` and `buffer` are touched only by the one reading call at a time that
    // a test makes (tests await each read before the next), and `process` is thread-safe.
    let process: Process
    private let stdout: FileHandle
    /// `nil` when stderr goes to a log file.
    private let stderrPipe: Pipe?
    private var buffer: [UInt8] = []
    /// Every line read so far.
    private(set) var lines: [String] = []

    /// - Parameter log: A file for the process's stderr, which is then not captured; a pipe that
    ///   nobody reads while the process runs could fill and block it.
    init(_ arguments: [String], environment: [String: String] = [:], log: String? = nil) throws {
        let process = Process()
        process.executableURL = TurnoutProcess.executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        var err: Pipe?
        process.standardOutput = out
        if let log, FileManager.default.createFile(atPath: log, contents: nil), let file = FileHandle(forWritingAtPath: log) {
            process.standardError = file
        } else {
            err = Pipe()
            process.standardError = err
        }
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.stdout = out.fileHandleForReading
        self.stderrPipe = err
    }

    /// Reads stdout until a line satisfies `match`, and returns it; `nil` when stdout ends first.
    func line(where match: @escaping @Sendable (String) -> Bool) async -> String? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.readLine(where: match))
            }
        }
    }

    private func readLine(where match: (String) -> Bool) -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                lines.append(line)
                if match(line) { return line }
                continue
            }
            let data = stdout.availableData
            if data.isEmpty { return nil }
            buffer.append(contentsOf: data)
        }
    }

    /// Waits for the process to exit and returns its status, the rest of stdout and all of stderr.
    func finish() async -> TurnoutProcess.Output {
        _ = await line { _ in false }
        let stderr = stderrPipe?.fileHandleForReading.readDataToEndOfFile() ?? Data()
        process.waitUntilExit()
        return TurnoutProcess.Output(
            status: process.terminationStatus,
            stdout: lines.joined(separator: "\n"),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    /// Sends `signal` to the process.
    func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }
}

/// A `turnout serve --dev` on 127.0.0.1 ephemeral ports, serving `flagsPath`.
struct ServeProcess {
    let running: RunningProcess
    /// `http://127.0.0.1:PORT`, the admin base URL.
    let adminURL: String

    /// Starts the server and waits for its banner, which names the admin port it bound.
    static func start(flagsPath: String) async throws -> ServeProcess {
        let directory = URL(fileURLWithPath: flagsPath).deletingLastPathComponent()
        let running = try RunningProcess(
            [
                "serve", "--dev", "--host", "127.0.0.1", "--port", "0", "--admin-port", "0", "--flags", flagsPath,
                "--apps", directory.appendingPathComponent("apps.yaml").path, "--log-level", "info", "--threads", "1",
            ],
            environment: ["AUGMENTOS_AUTH_JWT_SECRET": ""],
            log: directory.appendingPathComponent("server-\(UUID().uuidString).log").path
        )
        guard let banner = await running.line(where: { $0.hasPrefix("admin:") }),
            let url = banner.split(separator: " ").last.map(String.init),
            let range = url.range(of: "/admin/connections")
        else {
            running.send(SIGKILL)
            throw ServeProcessError.noBanner(await running.finish().stderr)
        }
        return ServeProcess(running: running, adminURL: String(url[..<range.lowerBound]))
    }

    /// SIGTERM, and waits for the exit.
    func stop() async {
        running.send(SIGTERM)
        _ = await running.finish()
    }
}

enum ServeProcessError: Error {
    case noBanner(String)
}
