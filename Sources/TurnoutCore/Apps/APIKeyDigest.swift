import Crypto

/// The SHA-256 digest of an app's API key: what `apps.yaml` stores instead of the key.
///
/// Comparison runs in constant time over all 32 bytes, so a timing side channel cannot reveal
/// how much of a guessed key's digest matched.
package struct APIKeyDigest: Sendable, Hashable, CustomStringConvertible {
    /// The 32 digest bytes.
    package let bytes: [UInt8]

    /// Parses 64 hexadecimal digits, either case; `nil` for anything else.
    package init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = Self.nibble(utf8[index]), let low = Self.nibble(utf8[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        self.bytes = bytes
    }

    /// The digest of an API key (the SHA-256 of its UTF-8 bytes).
    package init(hashing apiKey: String) {
        self.bytes = Array(SHA256.hash(data: Array(apiKey.utf8)))
    }

    /// The digest as 64 lowercase hexadecimal digits.
    package var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(64)
        for byte in self.bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    package var description: String { self.hex }

    /// Whether `apiKey` hashes to this digest, compared in constant time.
    package func matches(apiKey: String) -> Bool {
        let candidate = APIKeyDigest(hashing: apiKey)
        var difference: UInt8 = 0
        for index in 0..<32 {
            difference |= self.bytes[index] ^ candidate.bytes[index]
        }
        return difference == 0
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
