import Dispatch
import NIOConcurrencyHelpers

/// Runs `body` on the cooperative pool and waits for its result on the calling thread.
///
/// libFuzzer calls a target synchronously, while the router and the token checks are async.
/// Under libFuzzer and the replayer the caller is the main thread; under `swift test` it is one of
/// the pool's, which the wait holds, so a body must never wait again itself: callers resolve the
/// lazily built statics the body uses (whose set-up waits too) before calling this.
func waitFor<Value: Sendable>(_ body: @escaping @Sendable () async -> Value) -> Value {
    let result = NIOLockedValueBox<Value?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task {
        let value = await body()
        result.withLockedValue { $0 = value }
        done.signal()
    }
    done.wait()
    return result.withLockedValue { $0! }
}
