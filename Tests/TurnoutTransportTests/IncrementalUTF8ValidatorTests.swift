import Testing

@testable import TurnoutTransport

/// The incremental UTF-8 validator the protocol machine checks text with, alone.
struct IncrementalUTF8ValidatorTests {
    @Test(
        arguments: [
            ([0x41], true),
            ([0xC3, 0xA9], true),
            ([0xF0, 0x9F, 0x98, 0x80], true),
            ([0xC0, 0x80], false),  // overlong
            ([0xED, 0xA0, 0x80], false),  // surrogate
            ([0xF4, 0x90, 0x80, 0x80], false),  // above U+10FFFF
            ([0xFF], false),
            ([0xE0, 0x9F, 0x80], false),  // overlong 3-byte
        ] as [([UInt8], Bool)]
    )
    func utf8(_ bytes: [UInt8], _ valid: Bool) {
        var validator = IncrementalUTF8Validator()
        let fed = bytes.withUnsafeBytes { validator.feed($0) }
        #expect((fed && validator.isComplete) == valid)
    }

    @Test
    func utf8AcrossEveryChunkBoundary() {
        let bytes = Array("aé€😀 long ASCII run to take the fast path ok".utf8)
        for split in 0...bytes.count {
            var validator = IncrementalUTF8Validator()
            let first = bytes[..<split].withUnsafeBytes { validator.feed($0) }
            let second = bytes[split...].withUnsafeBytes { validator.feed($0) }
            #expect(first && second && validator.isComplete, "split at \(split)")
        }
    }
}
