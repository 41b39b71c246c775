import Atomics
package import Foundation
package import NIOSSL
import SwiftASN1
import TurnoutConfigFile
import X509

/// A certificate chain and its private key, read, checked and turned into the TLS context that
/// every connection accepted while it is current uses. Immutable.
///
/// The checks, each failing with a ``TLSCertificateError`` that names the file: both files can be
/// read; the certificate file holds at least one PEM certificate and the key file one PEM private
/// key; the key is the leaf's (its public key is the one in the first certificate); BoringSSL
/// accepts them. The context allows TLS 1.2 and 1.3 only.
package final class TLSCertificatePair: AtomicReference, Sendable {
    /// The server-side TLS context built from the pair: shared by every connection that uses it.
    package let context: NIOSSLContext
    /// The files it was read from.
    package let files: TLSFiles
    /// The leaf certificate's serial number, as colon-separated hex bytes (`1a:2b:…`).
    package let serialNumber: String
    /// The leaf certificate's subject, as an RFC 4514 string (`CN=turnout.example.com`).
    package let subject: String
    /// When the leaf certificate expires.
    package let notValidAfter: Date
    /// The bytes it was made from, so a reload can tell a real change from a touched file.
    let certificateBytes: [UInt8]
    let keyBytes: [UInt8]

    /// Reads and checks the pair at `files`.
    ///
    /// - Throws: ``TLSCertificateError`` naming the file that is unreadable, does not parse, or
    ///   holds a key that does not match the certificate.
    package static func load(_ files: TLSFiles) throws(TLSCertificateError) -> TLSCertificatePair {
        let certificateBytes = try read(files.certificatePath, what: "TLS certificate")
        let keyBytes = try read(files.keyPath, what: "TLS private key")
        return try TLSCertificatePair(files: files, certificateBytes: certificateBytes, keyBytes: keyBytes)
    }

    /// Reads one file of the pair, following symlinks (a Kubernetes secret mount's `..data`).
    static func read(_ path: String, what: String) throws(TLSCertificateError) -> [UInt8] {
        switch WatchedFileState.read(path: path) {
        case .contents(let bytes):
            return bytes
        case .missing:
            throw TLSCertificateError(.unreadable, file: path, message: "cannot read the \(what): no such file")
        case .unreadable(let reason):
            throw TLSCertificateError(.unreadable, file: path, message: "cannot read the \(what): \(reason)")
        }
    }

    /// Checks the bytes of a pair and builds its context.
    init(files: TLSFiles, certificateBytes: [UInt8], keyBytes: [UInt8]) throws(TLSCertificateError) {
        let leaf = try Self.leafCertificate(certificateBytes, file: files.certificatePath)
        let key: Certificate.PrivateKey
        do {
            key = try Certificate.PrivateKey(pemEncoded: String(decoding: keyBytes, as: UTF8.self))
        } catch {
            throw TLSCertificateError(
                .invalidKey,
                file: files.keyPath,
                message: "no PEM private key could be read (expected an unencrypted PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block)"
            )
        }
        guard key.publicKey == leaf.publicKey else {
            throw TLSCertificateError(
                .keyMismatch,
                file: files.keyPath,
                message: "this private key does not match the certificate in \(files.certificatePath)"
            )
        }
        do {
            let chain = try NIOSSLCertificate.fromPEMBytes(certificateBytes).map { NIOSSLCertificateSource.certificate($0) }
            var configuration = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain,
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: keyBytes, format: .pem))
            )
            configuration.minimumTLSVersion = .tlsv12
            self.context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSCertificateError(
                .rejectedByTLS,
                file: files.certificatePath,
                message: "the TLS library refused the certificate and key: \(error)"
            )
        }
        self.files = files
        self.serialNumber = leaf.serialNumber.description
        self.subject = leaf.subject.description
        self.notValidAfter = leaf.notValidAfter
        self.certificateBytes = certificateBytes
        self.keyBytes = keyBytes
    }

    /// The first certificate of a PEM chain.
    private static func leafCertificate(_ bytes: [UInt8], file: String) throws(TLSCertificateError) -> Certificate {
        let invalid = TLSCertificateError(
            .invalidCertificate,
            file: file,
            message: "no PEM certificate could be read (expected a -----BEGIN CERTIFICATE----- block)"
        )
        do {
            let documents = try PEMDocument.parseMultiple(pemString: String(decoding: bytes, as: UTF8.self))
            guard let first = documents.first(where: { $0.discriminator == "CERTIFICATE" }) else { throw invalid }
            return try Certificate(pemDocument: first)
        } catch {
            throw invalid
        }
    }
}
