import Foundation
import Testing

@testable import TurnoutFlags

/// One row of `bucketing-vectors.json` (the test target's copy of the design's shared vectors),
/// computed by an independent murmur3. `scripts/check-shared-copies.sh` checks the copy by hand.
struct BucketingVector: Decodable, Sendable, CustomTestStringConvertible {
    var salt: String
    var userId: String
    var murmur3: UInt32
    var bucket: Int
    var percentage: Double
    var stack: String

    var testDescription: String { "\(salt):\(userId) @ \(percentage)%" }

    /// The test target's own copy of the vectors.
    static var resourceURL: URL {
        get throws {
            guard let url = Bundle.module.url(forResource: "bucketing-vectors", withExtension: "json") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "bucketing-vectors.json in the test bundle"])
            }
            return url
        }
    }

    static func load() throws -> [BucketingVector] {
        struct File: Decodable { var vectors: [BucketingVector] }
        let data = try Data(contentsOf: resourceURL)
        return try JSONDecoder().decode(File.self, from: data).vectors
    }
}

@Suite("Bucketing")
struct BucketingTests {
    @Test("matches every shared vector: hash, bucket and stack")
    func sharedVectors() throws {
        let vectors = try BucketingVector.load()
        #expect(vectors.count >= 100)
        for vector in vectors {
            let text = Bucketing.nfc("\(Bucketing.nfc(vector.salt)):\(Bucketing.nfc(vector.userId))")
            #expect(Murmur3.hash(text.utf8) == vector.murmur3, "murmur3 of \(vector.testDescription)")
            #expect(Bucketing.bucket(salt: vector.salt, userId: vector.userId) == vector.bucket, "bucket of \(vector.testDescription)")

            let percentage = try Percentage.parse(String(format: "%.2f", vector.percentage)).get()
            let snapshot = FlagSnapshot(
                file: FlagFile(flags: [FlagDefinition(name: "f", percentage: percentage, salt: vector.salt)]),
                source: "test"
            )
            let decision = snapshot.decide(userId: vector.userId, endpoint: .glasses, flag: "f")
            #expect(decision.stack.rawValue == vector.stack, "stack of \(vector.testDescription)")
            #expect(decision.rule == .rollout)
            #expect(decision.bucket == vector.bucket)
        }
    }

    @Test("the vectors include decomposed (NFD) spellings, and they bucket like NFC")
    func normalisation() {
        let composed = "\u{E9}clair@example.fr"
        let decomposed = "e\u{301}clair@example.fr"
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        #expect(Bucketing.bucket(salt: "native-transport", userId: composed) == Bucketing.bucket(salt: "native-transport", userId: decomposed))
    }

    @Test(
        "murmur3 known answers",
        arguments: [
            ("", UInt32(0)),
            ("a", UInt32(0x3c25_69b2)),
            ("abc", UInt32(0xb3dd_93fa)),
            ("Hello, world!", UInt32(0xc036_3e43)),
        ]
    )
    func murmur3KnownAnswers(input: String, expected: UInt32) {
        #expect(Murmur3.hash(input.utf8) == expected)
    }

    @Test("feeding bytes in words, split anywhere, equals feeding them one by one")
    func incrementalFeeding() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<41 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let expected = Murmur3.hash(bytes)
            for split in 0...length {
                var hasher = Murmur3()
                var seen: UInt8 = 0
                bytes[..<split].withUnsafeBytes { seen |= hasher.combine($0) }
                bytes[split...].withUnsafeBytes { seen |= hasher.combine($0) }
                #expect(hasher.finalize() == expected, "length \(length), split at \(split)")
                #expect(seen == bytes.reduce(0, |), "the OR of the bytes tells ASCII apart")
            }
        }
    }

    @Test("ramping is nested: a user on native never leaves it as the percentage grows")
    func nesting() throws {
        let steps = [0, 100, 500, 1_000, 2_500, 4_000, 5_000, 6_000, 7_500, 10_000]
        let snapshots = try steps.map { hundredths in
            FlagSnapshot(
                file: FlagFile(flags: [FlagDefinition(name: "native-transport", percentage: try #require(Percentage(hundredths: hundredths)))]),
                source: "test"
            )
        }
        var moved = 0
        for index in 0..<100_000 {
            let user = "user\(index)@example.com"
            var wasNative = false
            for snapshot in snapshots {
                let isNative = snapshot.decide(userId: user, endpoint: .glasses).stack == .native
                if wasNative && !isNative {
                    Issue.record("\(user) left native while ramping up")
                    return
                }
                if isNative && !wasNative { moved += 1 }
                wasNative = isNative
            }
        }
        #expect(moved == 100_000, "at 100 % everyone is on native")
    }

    @Test("1,000,000 ids at 12.34 % land within ±0.1 point")
    func distribution() {
        let hasher = SaltedHasher(salt: "native-transport")
        var native = 0
        for index in 0..<1_000_000 where hasher.bucket(userId: "user\(index)@example.com") < 1_234 {
            native += 1
        }
        let share = Double(native) / 10_000
        #expect(abs(share - 12.34) <= 0.1, "got \(share) %")
    }

    @Test("two salts at 50 % each overlap on 25 % ± 1 point")
    func saltIndependence() {
        let first = SaltedHasher(salt: "native-transport")
        let second = SaltedHasher(salt: "native-transport-v2")
        var both = 0
        let total = 100_000
        for index in 0..<total {
            let user = "user\(index)@example.com"
            if first.bucket(userId: user) < 5_000 && second.bucket(userId: user) < 5_000 {
                both += 1
            }
        }
        let overlap = Double(both) * 100 / Double(total)
        #expect(abs(overlap - 25) <= 1, "got \(overlap) %")
    }
}
