extension TurnoutConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The configuration with its secrets replaced by `<redacted>`: what a log line or a
    /// debugger shows.
    ///
    /// swift-service-lifecycle logs each service at debug level as `"\(service)"`, and a
    /// synthesised description would print `jwtSecret` and `adminToken` with it.
    package var description: String {
        "TurnoutConfiguration(host: \(host), port: \(port), adminHost: \(adminHost), adminPort: \(adminPort), "
            + "adminToken: \(adminToken == nil ? "none" : "<redacted>"), flagsPath: \(flagsPath), appsPath: \(appsPath), "
            + "publicURL: \(publicURL ?? "default"), echo: \(echo), drainTimeout: \(drainTimeout), readyGrace: \(readyGrace), jwtSecret: <redacted>, "
            + "eventLoopThreads: \(eventLoopThreads), limits: \(limits), tls: \(tls.map { "\($0)" } ?? "none"), "
            + "adminTLS: \(adminTLS.map { "\($0)" } ?? "none"))"
    }

    /// The same as ``description``.
    package var debugDescription: String { description }

    /// A mirror without the secrets, for `dump` and debuggers.
    package var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "adminHost": adminHost, "adminPort": adminPort, "flagsPath": flagsPath,
                "appsPath": appsPath, "echo": echo, "drainTimeout": drainTimeout, "readyGrace": readyGrace, "stack": stack, "core": core,
                "eventLoopThreads": eventLoopThreads, "limits": limits, "tls": tls as Any, "adminTLS": adminTLS as Any,
            ],
            displayStyle: .struct
        )
    }
}
