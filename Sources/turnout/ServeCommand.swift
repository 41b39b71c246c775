import ArgumentParser
import Foundation
import Logging
import TurnoutConfigFile
import TurnoutServer
import TurnoutTransport

/// `turnout serve`: the dual-stack WebSocket server.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the WebSocket server: one public port, two transport stacks, an admin port.",
        discussion: """
            Every option can also be set with the TURNOUT_* environment variable named in its help;
            an option on the command line wins. The JWT secret comes from AUGMENTOS_AUTH_JWT_SECRET;
            without it the server refuses to start unless --dev is given.
            """
    )

    @Option(help: "Public interface (TURNOUT_HOST). Default 0.0.0.0.")
    var host: String?

    @Option(help: "Public port (TURNOUT_PORT). Default 8002.")
    var port: Int?

    @Option(help: "Admin interface (TURNOUT_ADMIN_HOST). Default 127.0.0.1; beyond loopback it requires TURNOUT_ADMIN_TOKEN.")
    var adminHost: String?

    @Option(help: "Admin port (TURNOUT_ADMIN_PORT). Default 9090.")
    var adminPort: Int?

    @Option(help: "The flag file (TURNOUT_FLAGS). Default flags.yaml.")
    var flags: String?

    @Option(help: "The app registry (TURNOUT_APPS). Default apps.yaml.")
    var apps: String?

    @Option(help: "Public base URL for the /app-ws URL sent in webhooks (TURNOUT_PUBLIC_URL). Default ws://127.0.0.1:<port>.")
    var publicURL: String?

    @Option(help: "How long shutdown waits for sockets to close, e.g. 10s (TURNOUT_DRAIN_TIMEOUT). Default 10s.")
    var drainTimeout: String?

    @Option(help: "Largest WebSocket message in bytes; larger ones close with 1009 (TURNOUT_MAX_MESSAGE_SIZE). Default 1048576.")
    var maxMessageSize: Int?

    @Option(help: "Event-loop threads (TURNOUT_THREADS). Default: the cores this process may use, CPU affinity included.")
    var threads: Int?

    @Option(help: "trace, debug, info, notice, warning, error or critical (TURNOUT_LOG_LEVEL). Default info.")
    var logLevel: String?

    @Flag(help: "Serve /echo-ws and /fanout-ws (?stack=compat|native) for conformance runs and benchmarks (TURNOUT_ECHO=1).")
    var echo = false

    @Flag(help: "Development mode: a random JWT secret, and a ready glasses token for dev@localhost (TURNOUT_DEV=1).")
    var dev = false

    func run() async throws {
        let settings = try ServeSettings(command: self, environment: ProcessInfo.processInfo.environment)
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: settings.logLevel) }
        let logger = Logger(label: "turnout")
        let isDev = settings.isDev
        let secret = settings.configuration.jwtSecret
        let application = TurnoutApplication(
            configuration: settings.configuration,
            onServerRunning: { running in
                if isDev {
                    await Self.printDevBanner(secret: secret, port: running.publicPort, adminPort: running.adminPort)
                }
            },
            logger: logger
        )
        do {
            try await application.runService()
        } catch let error as TurnoutStartupError {
            StandardError.write("turnout: cannot start:\n\(error)\n")
            throw FlagsCommand.invalidFileStatus
        }
    }

    private static func printDevBanner(secret: String, port: Int, adminPort: Int) async {
        guard let authority = try? await TokenAuthority(secret: secret),
            let token = try? await authority.glassesToken(email: "dev@localhost")
        else { return }
        let banner = """
            turnout --dev: a random JWT secret is in use, so only tokens minted by this process work.
            glasses token for dev@localhost:
              \(token)
            connect:  ws://127.0.0.1:\(port)/glasses-ws?token=\(token)
            admin:    http://127.0.0.1:\(adminPort)/admin/connections

            """
        // stdout is a pipe under most supervisors; write through so the token shows at once.
        FileHandle.standardOutput.write(Data(banner.utf8))
    }
}

/// `serve`'s options merged with the environment and checked, ready to run.
struct ServeSettings {
    var configuration: TurnoutConfiguration
    var logLevel: Logger.Level
    var isDev: Bool

    init(command: ServeCommand, environment: [String: String]) throws {
        func value(_ option: String?, _ variable: String) -> String? {
            option ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        func integer(_ option: Int?, _ variable: String, default fallback: Int) throws -> Int {
            if let option { return option }
            guard let text = environment[variable], !text.isEmpty else { return fallback }
            guard let number = Int(text) else { throw ValidationError("\(variable)=\(text) is not a whole number.") }
            return number
        }
        func flag(_ option: Bool, _ variable: String) -> Bool {
            option || ["1", "true", "yes"].contains(environment[variable]?.lowercased() ?? "")
        }

        let isDev = flag(command.dev, "TURNOUT_DEV")
        let secret: String
        if let configured = environment["AUGMENTOS_AUTH_JWT_SECRET"], !configured.isEmpty {
            guard configured.utf8.count >= TokenAuthority.minimumSecretBytes else {
                throw ValidationError(
                    "AUGMENTOS_AUTH_JWT_SECRET is \(configured.utf8.count) bytes; HS256 needs at least \(TokenAuthority.minimumSecretBytes) (RFC 7518 §3.2)."
                )
            }
            secret = configured
        } else if isDev {
            secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        } else {
            throw ValidationError("AUGMENTOS_AUTH_JWT_SECRET is not set. Set it to the cloud's JWT secret, or run with --dev for a random one.")
        }

        let drainText = value(command.drainTimeout, "TURNOUT_DRAIN_TIMEOUT") ?? "10s"
        guard let drainTimeout = ConfigReader.parseDuration(drainText) else {
            throw ValidationError("drain timeout '\(drainText)' is not a duration such as 500ms, 10s or 1m.")
        }
        let levelText = value(command.logLevel, "TURNOUT_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelText.lowercased()) else {
            throw ValidationError("log level '\(levelText)' is not one of trace, debug, info, notice, warning, error, critical.")
        }
        let port = try integer(command.port, "TURNOUT_PORT", default: 8002)
        let adminPort = try integer(command.adminPort, "TURNOUT_ADMIN_PORT", default: 9090)
        for (name, number) in [("port", port), ("admin port", adminPort)] where !(0...65_535).contains(number) {
            throw ValidationError("The \(name) must be between 0 and 65535, got \(number).")
        }
        let maxMessageSize = try integer(command.maxMessageSize, "TURNOUT_MAX_MESSAGE_SIZE", default: 1 << 20)
        // NIO's frame decoder (the compat stack) traps above UInt32.max; 1 GiB is far beyond any message.
        guard (1024...(1 << 30)).contains(maxMessageSize) else {
            throw ValidationError("The max message size must be between 1024 and 1073741824 bytes (1 GiB), got \(maxMessageSize).")
        }

        var configuration = TurnoutConfiguration(
            host: value(command.host, "TURNOUT_HOST") ?? "0.0.0.0",
            port: port,
            adminHost: value(command.adminHost, "TURNOUT_ADMIN_HOST") ?? "127.0.0.1",
            adminPort: adminPort,
            adminToken: environment["TURNOUT_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 },
            flagsPath: value(command.flags, "TURNOUT_FLAGS") ?? "flags.yaml",
            appsPath: value(command.apps, "TURNOUT_APPS") ?? "apps.yaml",
            publicURL: value(command.publicURL, "TURNOUT_PUBLIC_URL"),
            echo: flag(command.echo, "TURNOUT_ECHO"),
            drainTimeout: drainTimeout,
            jwtSecret: secret
        )
        configuration.stack.maxMessageSize = maxMessageSize
        configuration.eventLoopThreads = try integer(command.threads, "TURNOUT_THREADS", default: min(UsableCores.count, 256))
        guard (1...256).contains(configuration.eventLoopThreads) else {
            throw ValidationError("The thread count must be between 1 and 256, got \(configuration.eventLoopThreads).")
        }
        self.configuration = configuration
        self.logLevel = level
        self.isDev = isDev
    }
}
