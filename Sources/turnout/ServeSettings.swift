import ArgumentParser
import Foundation
import Logging
import TurnoutConfigFile
import TurnoutServer
import TurnoutTransport

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
        let graceText = value(command.readyGrace, "TURNOUT_READY_GRACE") ?? "3s"
        guard let readyGrace = ConfigReader.parseDuration(graceText) else {
            throw ValidationError("The ready grace '\(graceText)' is not a duration such as 500ms, 10s or 1m.")
        }
        // Beyond 5 minutes a rolling update would stall; Kubernetes' grace period must cover it.
        guard readyGrace <= .seconds(300) else {
            throw ValidationError("The ready grace must be between 0s and 300s, got \(graceText); cover the balancer's check interval × fall.")
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
            readyGrace: readyGrace,
            jwtSecret: secret
        )
        configuration.stack.maxMessageSize = maxMessageSize
        configuration.eventLoopThreads = try integer(command.threads, "TURNOUT_THREADS", default: min(UsableCores.count, 256))
        guard (1...256).contains(configuration.eventLoopThreads) else {
            throw ValidationError("The thread count must be between 1 and 256, got \(configuration.eventLoopThreads).")
        }
        configuration.limits = try Self.limits(command: command, environment: environment)
        configuration.tls = try Self.tlsFiles(
            certificate: (command.tlsCert, "--tls-cert", "TURNOUT_TLS_CERT"),
            key: (command.tlsKey, "--tls-key", "TURNOUT_TLS_KEY"),
            environment: environment
        )
        configuration.adminTLS = try Self.tlsFiles(
            certificate: (command.adminTlsCert, "--admin-tls-cert", "TURNOUT_ADMIN_TLS_CERT"),
            key: (command.adminTlsKey, "--admin-tls-key", "TURNOUT_ADMIN_TLS_KEY"),
            environment: environment
        )
        self.configuration = configuration
        self.logLevel = level
        self.isDev = isDev
    }
}
