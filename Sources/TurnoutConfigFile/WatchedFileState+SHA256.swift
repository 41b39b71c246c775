import Crypto

extension WatchedFileState {
    /// The lowercase hex SHA-256 of the contents; `nil` for a missing or unreadable file.
    package var sha256: String? {
        guard case .contents(let bytes) = self else { return nil }
        return Self.sha256(of: bytes)
    }

    /// The lowercase hex SHA-256 of `bytes`, as `sha256sum` prints it.
    package static func sha256(of bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in SHA256.hash(data: bytes) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
