import ArgumentParser
import TurnoutConfigFile
import TurnoutTransport

extension ServeSettings {
    /// The public port's timeouts and caps from `serve`'s options and `TURNOUT_*` variables,
    /// each checked against its range (docs/operations.md lists them).
    ///
    /// - Throws: `ValidationError` naming the option, its range and the value given.
    static func limits(command: ServeCommand, environment: [String: String]) throws -> PublicPortLimits {
        let defaults = PublicPortLimits()
        var limits = defaults
        limits.requestHeadTimeout = try duration(
            command.requestHeadTimeout,
            "TURNOUT_REQUEST_HEAD_TIMEOUT",
            name: "request head timeout",
            default: defaults.requestHeadTimeout,
            range: Duration.milliseconds(100)...Duration.seconds(300),
            rangeText: "100ms and 300s",
            environment: environment
        )
        limits.idleTimeout = try duration(
            command.idleTimeout,
            "TURNOUT_IDLE_TIMEOUT",
            name: "idle timeout",
            default: defaults.idleTimeout,
            range: Duration.milliseconds(100)...Duration.seconds(3_600),
            rangeText: "100ms and 3600s",
            environment: environment
        )
        // NIO's decoder answers a bare 400 beyond 80 KiB; stay below it so the limit is ours.
        limits.maxRequestHeadBytes = try number(
            command.maxRequestHeadSize,
            "TURNOUT_MAX_REQUEST_HEAD_SIZE",
            name: "max request head size",
            default: defaults.maxRequestHeadBytes,
            range: 1_024...65_536,
            environment: environment
        )
        limits.maxConnections = try number(
            command.maxConnections,
            "TURNOUT_MAX_CONNECTIONS",
            name: "max connections",
            default: defaults.maxConnections,
            range: 1...10_000_000,
            environment: environment
        )
        limits.maxConnectionsPerAddress = try number(
            command.maxConnectionsPerIp,
            "TURNOUT_MAX_CONNECTIONS_PER_IP",
            name: "max connections per IP",
            default: defaults.maxConnectionsPerAddress,
            range: 1...10_000_000,
            environment: environment
        )
        limits.trustedProxies = try number(
            command.trustedProxies,
            "TURNOUT_TRUSTED_PROXIES",
            name: "trusted proxy count",
            default: defaults.trustedProxies,
            range: 0...10,
            environment: environment
        )
        limits.maxPendingUpgrades = try number(
            command.maxPendingUpgrades,
            "TURNOUT_MAX_PENDING_UPGRADES",
            name: "max pending upgrades",
            default: defaults.maxPendingUpgrades,
            range: 1...100_000,
            environment: environment
        )
        return limits
    }

    /// A whole-number option, else its variable, else the default; refused outside `range`.
    private static func number(
        _ option: Int?,
        _ variable: String,
        name: String,
        default fallback: Int,
        range: ClosedRange<Int>,
        environment: [String: String]
    ) throws -> Int {
        var number = fallback
        if let option {
            number = option
        } else if let text = environment[variable], !text.isEmpty {
            guard let parsed = Int(text) else { throw ValidationError("\(variable)=\(text) is not a whole number.") }
            number = parsed
        }
        guard range.contains(number) else {
            throw ValidationError("The \(name) must be between \(range.lowerBound) and \(range.upperBound), got \(number).")
        }
        return number
    }

    /// A duration option (`500ms`, `10s`, `1m`), else its variable, else the default; refused outside `range`.
    private static func duration(
        _ option: String?,
        _ variable: String,
        name: String,
        default fallback: Duration,
        range: ClosedRange<Duration>,
        rangeText: String,
        environment: [String: String]
    ) throws -> Duration {
        guard let text = option ?? environment[variable].flatMap({ $0.isEmpty ? nil : $0 }) else { return fallback }
        guard let duration = ConfigReader.parseDuration(text) else {
            throw ValidationError("The \(name) '\(text)' is not a duration such as 500ms, 10s or 1m.")
        }
        guard range.contains(duration) else {
            throw ValidationError("The \(name) must be between \(rangeText), got \(text).")
        }
        return duration
    }
}
