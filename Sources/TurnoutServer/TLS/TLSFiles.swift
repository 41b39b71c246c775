/// Where one port reads its TLS certificate chain and private key.
///
/// Both are PEM files, as cert-manager writes them into a Kubernetes secret (`tls.crt`,
/// `tls.key`). The port serves TLS 1.2 and 1.3 only, and reloads the pair when either file changes.
package struct TLSFiles: Sendable, Hashable {
    /// The PEM certificate chain, the leaf first, then any intermediates (`--tls-cert`).
    package var certificatePath: String
    /// The leaf's PEM private key (`--tls-key`): PKCS #8 (`PRIVATE KEY`), SEC 1 (`EC PRIVATE KEY`)
    /// or PKCS #1 (`RSA PRIVATE KEY`), unencrypted.
    package var keyPath: String

    /// Creates the pair of paths; nothing is read until the server starts.
    package init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }
}
