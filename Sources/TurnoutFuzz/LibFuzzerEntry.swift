#if TURNOUT_FUZZING
import CLibFuzzer
import Foundation
import TurnoutFuzzTargets

/// libFuzzer's side of `turnout-fuzz`: the target chosen by `main`, and the entry points
/// libFuzzer calls.
enum LibFuzzerEntry {
    /// Set once by `main` before libFuzzer starts, read by libFuzzer's one fuzzing thread.
    nonisolated(unsafe) static var target: FuzzTarget?

    /// Hands the arguments to libFuzzer's driver and returns its exit status.
    static func run(arguments: [String]) -> Int32 {
        var argc = Int32(arguments.count)
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        return cArguments.withUnsafeMutableBufferPointer { buffer in
            var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                LibFuzzerEntry.testOneInput(data, size)
            }
        }
    }

    /// One input: an invariant broken is a crash, which libFuzzer saves as an artifact.
    static func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        let target = Self.target ?? ProcessInfo.processInfo.environment["TURNOUT_FUZZ_TARGET"].flatMap(FuzzTarget.init(named:))
        guard let target else { fatalError("turnout-fuzz: no target; pass its name first or set TURNOUT_FUZZ_TARGET") }
        do {
            try target.run(bytes)
        } catch {
            fatalError("turnout-fuzz \(target.rawValue): \(error)")
        }
        return 0
    }
}

/// libFuzzer's set-up hook, for when the toolchain's own `main` runs instead of ours: takes the
/// target's name off the front of the arguments, where libFuzzer would read it as a corpus.
@_cdecl("LLVMFuzzerInitialize")
func llvmFuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    guard argc.pointee > 1, let arguments = argv.pointee, let first = arguments[1],
        let target = FuzzTarget(named: String(cString: first))
    else { return 0 }
    LibFuzzerEntry.target = target
    for index in 1..<Int(argc.pointee) {
        arguments[index] = arguments[index + 1]
    }
    argc.pointee -= 1
    return 0
}

/// libFuzzer's entry point, for when the toolchain's own `main` runs instead of ours.
@_cdecl("LLVMFuzzerTestOneInput")
func llvmFuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    LibFuzzerEntry.testOneInput(data, size)
}
#endif
