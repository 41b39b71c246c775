import Foundation
import TurnoutFuzzTargets

#if TURNOUT_FUZZING
import CLibFuzzer
#endif

/// `turnout-fuzz TARGET [arguments…]`, or with the target in `TURNOUT_FUZZ_TARGET`.
///
/// Built for fuzzing (`-sanitize=fuzzer -D TURNOUT_FUZZING`, scripts/fuzz.sh), the arguments are
/// libFuzzer's. Otherwise it replays inputs: each argument is a file, or a directory whose files
/// are replayed, and the exit status is 1 when any input breaks an invariant.
@main
struct FuzzMain {
    static func main() {
        var arguments = CommandLine.arguments
        let target: FuzzTarget
        if arguments.count > 1, let named = FuzzTarget(named: arguments[1]) {
            target = named
            arguments.remove(at: 1)
        } else if let name = ProcessInfo.processInfo.environment["TURNOUT_FUZZ_TARGET"], let named = FuzzTarget(named: name) {
            target = named
        } else {
            FileHandle.standardError.write(Data("usage: turnout-fuzz TARGET [arguments…]; TARGET is one of \(FuzzTarget.names)\n".utf8))
            exit(2)
        }
        #if TURNOUT_FUZZING
        LibFuzzerEntry.target = target
        exit(LibFuzzerEntry.run(arguments: arguments))
        #else
        exit(CorpusReplayer(target: target).replay(Array(arguments.dropFirst())))
        #endif
    }
}
