import Testing
import TurnoutCore
import TurnoutFlags

@testable import TurnoutTransport

@Suite("--inject-fault parsing")
struct FaultSpecTests {
    @Test(
        "the three faults, on either stack, and how they print",
        arguments: [
            ("native:close=1011,rate=0.05", FaultSpec(stack: .native, kind: .close(code: 1011, rate: 0.05)), "native:close=1011,rate=0.05"),
            ("compat:close=1002,rate=1", FaultSpec(stack: .compat, kind: .close(code: 1002, rate: 1)), "compat:close=1002,rate=1.0"),
            ("native:delay=5ms", FaultSpec(stack: .native, kind: .delay(.milliseconds(5), rate: 1)), "native:delay=5ms"),
            ("native:delay=250us,rate=0.2", FaultSpec(stack: .native, kind: .delay(.microseconds(250), rate: 0.2)), "native:delay=250us,rate=0.2"),
            ("native:drop-audio=0.1", FaultSpec(stack: .native, kind: .dropAudio(rate: 0.1)), "native:drop-audio=0.1"),
        ]
    )
    func parses(text: String, spec: FaultSpec, printed: String) throws {
        #expect(try FaultSpec(parsing: text) == spec)
        #expect(spec.description == printed)
    }

    @Test(
        "every mistake is named with what is expected",
        arguments: [
            ("close=1011", "--inject-fault 'close=1011': expected STACK:FAULT, such as native:close=1011,rate=0.05"),
            ("nativ:close=1011,rate=0.1", "--inject-fault 'nativ:close=1011,rate=0.1': unknown stack 'nativ'; expected 'native' or 'compat'"),
            ("native:close=1011", "--inject-fault 'native:close=1011': close needs ',rate=R', the probability per message"),
            (
                "native:close=1006,rate=0.1",
                "--inject-fault 'native:close=1006,rate=0.1': close code '1006' cannot be sent; use 1011 or another code from 1000–4999 but 1004–1006 and 1015"
            ),
            (
                "native:close=1011,rate=1.5",
                "--inject-fault 'native:close=1011,rate=1.5': '1.5' is not a probability; expected a number in (0, 1], such as 0.05"
            ),
            ("native:delay=5", "--inject-fault 'native:delay=5': delay '5' must be a duration from 1ms to 10s, such as 5ms"),
            (
                "native:drop-audio=0.1,rate=0.5",
                "--inject-fault 'native:drop-audio=0.1,rate=0.5': unknown setting 'rate' for drop-audio; only close and delay take ',rate=R'"
            ),
            ("native:explode=1", "--inject-fault 'native:explode=1': unknown fault 'explode'; expected close, delay or drop-audio"),
            ("native:", "--inject-fault 'native:': '' is not KEY=VALUE"),
        ]
    )
    func refuses(text: String, message: String) {
        #expect(throws: FaultSpecError.malformed(text, String(message.split(separator: ": ", maxSplits: 1)[1]))) {
            try FaultSpec(parsing: text)
        }
        do {
            _ = try FaultSpec(parsing: text)
        } catch {
            #expect(error.description == message)
        }
    }

    @Test("stacks without faults are not wrapped; a faulted stack keeps its label and counters")
    func wrapsOnlyFaultedStacks() {
        let stacks = TransportStacks.production
        let plan = FaultPlan(faults: [FaultSpec(stack: .native, kind: .dropAudio(rate: 0.5))], seed: 3)
        let wrapped = stacks.injecting(plan)
        #expect(wrapped.compat is CompatStack)
        #expect(wrapped.native is FaultInjectingStack)
        #expect(wrapped.native.stack == .native)
        #expect(wrapped.native.backpressure === stacks.native.backpressure)
        #expect(stacks.injecting(FaultPlan()).native is NativeStack)
    }
}
