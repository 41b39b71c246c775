import ArgumentParser
import TurnoutServer

extension ServeSettings {
    /// One port's TLS files from its two options or their `TURNOUT_*` variables: both or neither.
    ///
    /// - Parameters:
    ///   - certificate: The certificate option's value, its name and its variable.
    ///   - key: The key option's value, its name and its variable.
    /// - Returns: `nil` when neither is set (the port serves plain text).
    /// - Throws: `ValidationError` naming the one that is missing.
    static func tlsFiles(
        certificate: (value: String?, option: String, variable: String),
        key: (value: String?, option: String, variable: String),
        environment: [String: String]
    ) throws -> TLSFiles? {
        func resolved(_ value: String?, _ variable: String) -> String? {
            value ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
        }
        let certificatePath = resolved(certificate.value, certificate.variable)
        let keyPath = resolved(key.value, key.variable)
        switch (certificatePath, keyPath) {
        case (nil, nil):
            return nil
        case (let certificatePath?, let keyPath?):
            return TLSFiles(certificatePath: certificatePath, keyPath: keyPath)
        case (_?, nil):
            throw ValidationError(
                "\(certificate.option) (\(certificate.variable)) is set but \(key.option) (\(key.variable)) is not; TLS needs both the certificate and its key."
            )
        case (nil, _?):
            throw ValidationError(
                "\(key.option) (\(key.variable)) is set but \(certificate.option) (\(certificate.variable)) is not; TLS needs both the certificate and its key."
            )
        }
    }
}
