import Testing
import TurnoutFlags

@Suite("Decision rules")
struct DecisionTests {
    private func snapshot(_ flag: FlagDefinition) -> FlagSnapshot {
        FlagSnapshot(file: FlagFile(flags: [flag]), source: "test")
    }

    private let all = Percentage.all

    @Test("no flag at all: compat by 'disabled'")
    func noFlag() {
        let decision = FlagSnapshot.builtInDefault().decide(userId: "alice@example.com", endpoint: .glasses)
        #expect(decision.stack == .compat)
        #expect(decision.rule == .disabled)
        #expect(decision.percentage == .zero)
        #expect(decision.flag == "native-transport")
    }

    @Test("enabled: false wins over everything, pinned users included")
    func killSwitch() {
        let flag = FlagDefinition(name: "native-transport", enabled: false, percentage: all, nativeUsers: ["qa@example.com"])
        let decision = snapshot(flag).decide(userId: "qa@example.com", endpoint: .glasses)
        #expect((decision.stack, decision.rule) == (.compat, .disabled))
    }

    @Test("an endpoint not listed takes compat before any pin")
    func endpointRule() {
        let flag = FlagDefinition(name: "native-transport", percentage: all, endpoints: [.glasses], nativeUsers: ["qa@example.com"])
        let decision = snapshot(flag).decide(userId: "qa@example.com", endpoint: .app)
        #expect((decision.stack, decision.rule) == (.compat, .endpoint))
        #expect(decision.explanation == "endpoint: app not in the flag's endpoints")
    }

    @Test("pins: compat before native, both before the rollout")
    func pins() {
        let flag = FlagDefinition(name: "native-transport", percentage: .zero, nativeUsers: ["qa@example.com"], compatUsers: ["vip@example.com"])
        let native = snapshot(flag).decide(userId: "qa@example.com", endpoint: .glasses)
        #expect((native.stack, native.rule) == (.native, .pinnedNative))
        let compat = snapshot(FlagDefinition(name: "native-transport", percentage: all, compatUsers: ["vip@example.com"]))
            .decide(userId: "vip@example.com", endpoint: .glasses)
        #expect((compat.stack, compat.rule) == (.compat, .pinnedCompat))
    }

    @Test("a pin matches the NFD spelling of an NFC entry")
    func pinNormalisation() {
        let flag = FlagDefinition(name: "native-transport", percentage: .zero, nativeUsers: ["\u{E9}clair@example.fr"])
        #expect(snapshot(flag).decide(userId: "e\u{301}clair@example.fr", endpoint: .glasses).rule == .pinnedNative)
    }

    @Test("no user: the flag's unidentified stack", arguments: [Stack.compat, .native])
    func unidentified(stack: Stack) {
        let decision = snapshot(FlagDefinition(name: "native-transport", percentage: .zero, unidentified: stack)).decide(userId: nil, endpoint: .app)
        #expect((decision.stack, decision.rule, decision.bucket) == (stack, .unidentified, nil))
    }

    @Test("rollout compares the bucket with the percentage in hundredths")
    func rollout() throws {
        // alice's bucket under salt native-transport is 7011 (shared vectors).
        let at = { (hundredths: Int) in
            self.snapshot(FlagDefinition(name: "native-transport", percentage: Percentage(hundredths: hundredths)!))
                .decide(userId: "alice@example.com", endpoint: .glasses)
        }
        #expect(at(7012).stack == .native)
        #expect(at(7012).explanation == "rollout: bucket 7011 < 7012")
        #expect(at(7011).stack == .compat)
        #expect(at(7011).explanation == "rollout: bucket 7011 ≥ 7011")
        #expect(at(7011).rule == .rollout)
    }
}

@Suite("Decision JSON")
struct DecisionJSONTests {
    @Test("the explain object has its keys in the documented order and an exact percentage")
    func explainObject() throws {
        let snapshot = FlagSnapshot(
            file: FlagFile(flags: [FlagDefinition(name: "native-transport", percentage: try #require(Percentage(hundredths: 7012)))]),
            source: "test"
        )
        #expect(
            snapshot.decide(userId: "alice@example.com", endpoint: .glasses).jsonObject(userId: "alice@example.com")
                == #"{"userId":"alice@example.com","flag":"native-transport","endpoint":"glasses","stack":"native","rule":"rollout","bucket":7011,"percentage":70.12}"#
        )
        #expect(
            snapshot.decide(userId: nil, endpoint: .app).jsonObject(userId: nil)
                == #"{"userId":null,"flag":"native-transport","endpoint":"app","stack":"compat","rule":"unidentified","bucket":null,"percentage":70.12}"#
        )
    }

    @Test("user ids are escaped as JSON strings")
    func escaping() {
        let decision = FlagSnapshot.builtInDefault().decide(userId: "a\"b\\c\n\u{1}é", endpoint: .glasses)
        #expect(decision.jsonObject(userId: "a\"b\\c\n\u{1}é").hasPrefix(#"{"userId":"a\"b\\c\n\u0001é","flag":"native-transport""#))
    }
}
