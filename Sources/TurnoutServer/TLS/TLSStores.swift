import Logging

/// The TLS certificates of the two ports, loaded at start-up: `nil` for a port without TLS.
struct TLSStores: Sendable {
    /// The public port's (`--tls-cert`, `--tls-key`).
    var `public`: TLSContextStore?
    /// The admin port's (`--admin-tls-cert`, `--admin-tls-key`).
    var admin: TLSContextStore?

    /// Loads each configured pair.
    ///
    /// - Throws: ``TurnoutStartupError/unusableTLSCertificate(_:port:)`` naming the port and the file at fault.
    init(public publicFiles: TLSFiles?, admin adminFiles: TLSFiles?, logger: Logger) throws(TurnoutStartupError) {
        self.public = try Self.load(publicFiles, port: "public", logger: logger)
        self.admin = try Self.load(adminFiles, port: "admin", logger: logger)
    }

    /// The stores that exist, to watch and to reload on SIGHUP.
    var all: [TLSContextStore] { [self.public, self.admin].compactMap { $0 } }

    private static func load(_ files: TLSFiles?, port: String, logger: Logger) throws(TurnoutStartupError) -> TLSContextStore? {
        guard let files else { return nil }
        do {
            return try TLSContextStore.load(files: files, port: port, logger: logger)
        } catch {
            throw .unusableTLSCertificate(error, port: port)
        }
    }
}
