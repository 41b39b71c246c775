/// Why a TLS certificate and private key cannot be served, naming the file to fix.
///
/// Its ``description`` is exactly `FILE: message`. At start-up it stops the server (exit status 2);
/// on a reload it is logged and counted, and the last good pair keeps serving.
package struct TLSCertificateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is, for callers and tests that match on it.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case unreadable
            case invalidCertificate
            case invalidKey
            case keyMismatch
            case rejectedByTLS
        }

        private let base: Base

        /// The file is missing or cannot be read.
        package static var unreadable: Self { .init(base: .unreadable) }
        /// The certificate file holds no PEM certificate that parses.
        package static var invalidCertificate: Self { .init(base: .invalidCertificate) }
        /// The key file holds no PEM private key that parses.
        package static var invalidKey: Self { .init(base: .invalidKey) }
        /// The private key is not the key of the certificate (the first one in the file).
        package static var keyMismatch: Self { .init(base: .keyMismatch) }
        /// Both parse and match, but BoringSSL refused them (an unsupported key type, say).
        package static var rejectedByTLS: Self { .init(base: .rejectedByTLS) }

        package var description: String { base.rawValue }
    }

    /// What went wrong.
    package var code: Code
    /// The file to fix, as configured.
    package var file: String
    /// A sentence for operators.
    package var message: String

    /// Creates an error.
    package init(_ code: Code, file: String, message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    /// `FILE: message`.
    package var description: String { "\(file): \(message)" }

    /// Errors are equal when their codes are.
    package static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }

    package func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
