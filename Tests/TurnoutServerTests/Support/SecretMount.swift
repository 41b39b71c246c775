import Foundation
import TurnoutServer

/// A directory laid out as Kubernetes mounts a TLS secret: `tls.crt` and `tls.key` are symlinks
/// into `..data`, itself a symlink to the current version's directory, so a rotation (cert-manager
/// renewing the secret) swaps both files at once by renaming a new `..data` over the old one.
struct SecretMount: Sendable {
    let directory: URL

    var files: TLSFiles {
        TLSFiles(certificatePath: directory.appendingPathComponent("tls.crt").path, keyPath: directory.appendingPathComponent("tls.key").path)
    }

    /// Creates the mount in a fresh temporary directory, holding `certificate`.
    static func create(holding certificate: TestCertificate) throws -> SecretMount {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let mount = SecretMount(directory: directory)
        try mount.rotate(certificatePEM: certificate.certificatePEM, keyPEM: certificate.keyPEM)
        for name in ["tls.crt", "tls.key"] {
            try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent(name).path, withDestinationPath: "..data/\(name)")
        }
        return mount
    }

    /// Writes a new version and points `..data` at it with one rename, as the kubelet does.
    func rotate(certificatePEM: String, keyPEM: String) throws {
        let version = "..\(UUID().uuidString)"
        let versionURL = directory.appendingPathComponent(version)
        try FileManager.default.createDirectory(at: versionURL, withIntermediateDirectories: false)
        try Data(certificatePEM.utf8).write(to: versionURL.appendingPathComponent("tls.crt"))
        try Data(keyPEM.utf8).write(to: versionURL.appendingPathComponent("tls.key"))
        let temporary = directory.appendingPathComponent("..data_tmp").path
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: version)
        guard rename(temporary, directory.appendingPathComponent("..data").path) == 0 else { throw TestServerError.renameFailed }
    }

    /// Writes a plain file (not a mount) next to the mount, for tests of unusable files.
    func write(_ text: String, named name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
