import Testing
import TurnoutConfigFile

@testable import TurnoutFlags

@Suite("guard: block decoding")
struct GuardPolicyDecodingTests {
    private func decode(_ text: String) throws -> FlagFile {
        try FlagFile.decode(Array(text.utf8), file: "flags.yaml")
    }

    private func errors(_ text: String) -> [String] {
        do {
            _ = try decode(text)
            return []
        } catch let errors as ConfigFileErrors {
            return errors.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test("no guard: block is no guard; an empty one takes the production defaults")
    func defaults() throws {
        #expect(try decode("version: 1\nflags:\n  native-transport:\n    percentage: 5\n").flags[0].guardPolicy == nil)
        let policy = try #require(try decode("version: 1\nflags:\n  native-transport:\n    percentage: 5\n    guard:\n").flags[0].guardPolicy)
        #expect(policy == GuardPolicy())
        #expect(policy.window == .seconds(60))
        #expect(policy.minSamples == 200)
        #expect(policy.consecutive == 3)
        #expect(policy.abnormalCloses == 2.0)
        #expect(policy.handlingP99 == 1.5)
        #expect(policy.backpressure == 2.0)
        #expect(policy.action == .rollback)
    }

    @Test("every key decodes")
    func everyKey() throws {
        let flag = try decode(
            """
            version: 1
            flags:
              native-transport:
                percentage: 5
                guard:
                  window: 5s
                  min_samples: 50
                  consecutive: 2
                  abnormal_closes: 3
                  handling_p99: 1.25
                  backpressure: 4.5
                  action: alert
            """
        ).flags[0]
        #expect(
            flag.guardPolicy
                == GuardPolicy(
                    window: .seconds(5),
                    minSamples: 50,
                    consecutive: 2,
                    abnormalCloses: 3,
                    handlingP99: 1.25,
                    backpressure: 4.5,
                    action: .alert
                )
        )
    }

    @Test("every bad value is located, with a suggestion for a misspelt key")
    func badValues() {
        #expect(
            errors(
                """
                version: 1
                flags:
                  native-transport:
                    percentage: 5
                    guard:
                      window: 500ms
                      min_samples: 0
                      consecutive: lots
                      abnormal_closes: 0.5
                      handling_p99: fast
                      action: revert
                      backpresure: 2
                  other:
                    percentage: 1
                    guard:
                """
            ) == [
                "flags.yaml:6:15: 'guard.window' 500ms is outside 1s–1h",
                "flags.yaml:7:20: 'guard.min_samples' 0 is outside 1–10000000",
                "flags.yaml:8:20: 'guard.consecutive' must be a whole number, found 'lots'",
                "flags.yaml:9:24: 'guard.abnormal_closes' 0.5 is outside 1–100; native is compared with compat × this ratio",
                "flags.yaml:10:21: 'guard.handling_p99' must be a ratio such as 2.0, found 'fast'",
                "flags.yaml:11:15: unknown guard action 'revert'; expected one of 'rollback', 'alert'",
                "flags.yaml:12:7: unknown key 'backpresure'; did you mean 'backpressure'?",
                "flags.yaml:15:5: 'guard' applies only to 'native-transport', the flag that chooses the stack",
            ]
        )
    }

    @Test("the diff names a guard added, and each guard key changed, so the change re-arms and shows in history")
    func diff() throws {
        let none = try decode("version: 1\nflags:\n  native-transport:\n    percentage: 5\n")
        let armed = try decode("version: 1\nflags:\n  native-transport:\n    percentage: 5\n    guard:\n      window: 60s\n")
        let shorter = try decode("version: 1\nflags:\n  native-transport:\n    percentage: 5\n    guard:\n      window: 5s\n      action: alert\n")
        #expect(FlagFileDiff(from: none, to: armed).lines == ["native-transport.guard: none → on"])
        #expect(FlagFileDiff(from: armed, to: none).lines == ["native-transport.guard: on → none"])
        #expect(
            FlagFileDiff(from: armed, to: shorter).lines == [
                "native-transport.guard.window: 1m → 5s", "native-transport.guard.action: rollback → alert",
            ]
        )
        #expect(FlagFileDiff(from: armed, to: armed).isEmpty)
    }
}
