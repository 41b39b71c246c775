import Crypto
import Foundation
import NIOCore
import NIOSSL
import SwiftASN1
import X509

/// A self-signed P-256 certificate and its private key, generated in the test, as PEM.
struct TestCertificate: Sendable {
    var certificatePEM: String
    var keyPEM: String
    /// The serial number as the server logs it and as ``servedSerialNumber(by:)`` reads it.
    var serialNumber: String

    /// Generates a certificate for `commonName`, valid from an hour ago for a day.
    init(commonName: String) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600),
            notValidAfter: now.addingTimeInterval(86_400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions(),
            issuerPrivateKey: Certificate.PrivateKey(key)
        )
        self.certificatePEM = try certificate.serializeAsPEM().pemString
        self.keyPEM = key.pemRepresentation
        self.serialNumber = certificate.serialNumber.description
    }

    /// A client configuration that accepts any certificate: the tests check the served one themselves.
    static var clientTLS: TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        return configuration
    }

    /// The serial number of the certificate the server presented to `channel`'s TLS handshake.
    static func servedSerialNumber(by channel: any Channel) async throws -> String? {
        guard let served = try await channel.nioSSL_peerCertificate().get() else { return nil }
        return try Certificate(derEncoded: served.toDERBytes()).serialNumber.description
    }
}
