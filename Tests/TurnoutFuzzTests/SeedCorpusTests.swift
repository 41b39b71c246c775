import Foundation
import Testing
import TurnoutCore
import TurnoutTransport

@testable import TurnoutFuzzTargets

/// The seed corpora in Fuzz/Corpus stay valid without libFuzzer: every seed runs through its
/// target's body, invariants included, in every `swift test`.
@Suite("Fuzz seed corpora")
struct SeedCorpusTests {
    /// Fuzz/Corpus, found from this file so that the test runs from any directory.
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus")

    static func seeds(_ target: FuzzTarget) throws -> [URL] {
        let folder = corpus.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    static func seed(_ target: FuzzTarget, _ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: corpus.appendingPathComponent("\(target.rawValue)/\(name)")))
    }

    @Test("every seed passes its target's invariants", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) async throws {
        let seeds = try Self.seeds(target)
        #expect(seeds.count >= 15, "the \(target.rawValue) corpus has only \(seeds.count) seeds")
        for seed in seeds {
            let result = await SerialReplay.run(target, Array(try Data(contentsOf: seed)))
            #expect(throws: Never.self, "\(target.rawValue)/\(seed.lastPathComponent)") { try result.get() }
        }
    }

    @Test("the valid seed tokens are accepted and the hostile ones refused, so the jwt oracle is exercised")
    func tokenSeedsReachTheOracle() async throws {
        for (name, accepted) in [("valid", true), ("valid-exp", true), ("expired", false), ("alg-none", false), ("wrong-secret", false)] {
            let token = String(decoding: try Self.seed(.jwt, name), as: UTF8.self)
            let request = TokenFuzzer.request("/glasses-ws?token=\(token)")
            let outcome = await SerialReplay.run {
                let router = FuzzRouter.router
                return waitFor { await router.route(request, remoteAddress: "127.0.0.1:1") }
            }
            if case .accept(let upgrade) = outcome {
                #expect(accepted, "\(name) was accepted")
                #expect(upgrade.identity.userId == "ada@example.com")
                #expect(TokenFuzzer.signedClaims(token)?["email"] as? String == "ada@example.com")
            } else {
                #expect(!accepted, "\(name) was refused")
            }
        }
    }

    @Test(
        "the http seeds reach the upgrade and its refusals",
        arguments: [
            ("glasses-bearer", 101), ("glasses-bearer-byte-at-a-time", 101), ("app-jwt", 101), ("glasses-expired", 401),
            ("glasses-no-token", 401), ("version-12", 400), ("health", 200), ("not-found", 404), ("big-head", 431),
        ]
    )
    func httpSeedsReachTheirStatus(_ name: String, _ status: Int) async throws {
        let head = try await SerialReplay.exchange(try Self.seed(.http, name))
        #expect(
            String(decoding: head.dropFirst(9), as: UTF8.self).hasPrefix("\(status) "),
            "\(name): \(String(decoding: head.prefix(40), as: UTF8.self))"
        )
    }
}
