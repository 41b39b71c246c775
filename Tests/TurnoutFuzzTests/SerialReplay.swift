import Dispatch

@testable import TurnoutFuzzTargets

/// Runs fuzz target bodies for the tests one at a time, on a thread of their own.
///
/// A body waits for async work (``waitFor(_:)``); on a thread of the cooperative pool, tests run in
/// parallel would hold every thread and wait forever. The `http` body also checks counters shared
/// by every input, which holds only while one input runs at a time.
enum SerialReplay {
    private static let queue = DispatchQueue(label: "turnout-fuzz-tests.replay")

    /// Runs `body` on the replay queue and returns its result.
    static func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Runs one input through `target`.
    static func run(_ target: FuzzTarget, _ bytes: [UInt8]) async -> Result<Void, FuzzFailure> {
        await run { Result { () throws(FuzzFailure) in try target.run(bytes) } }
    }

    /// Sends `bytes` (a chunking prefix, then the stream) through the public pipeline; returns what the server wrote.
    static func exchange(_ bytes: [UInt8]) async throws(FuzzFailure) -> [UInt8] {
        let chunks = ChunkedInput(bytes).chunks
        return try await run {
            // Resolved before the wait: its set-up waits too.
            let initializer = HTTPHeadFuzzer.initializer
            return waitFor { await HTTPHeadFuzzer.exchange(chunks, through: initializer) }
        }.get()
    }
}
