/// Where the load goes: `--stack compat|native|both|split:P`.
package enum StackPlan: Hashable, Sendable, CustomStringConvertible {
    /// Every connection on one stack.
    case single(BenchStack)
    /// The two stacks in alternation, one after the other, for `rounds` rounds (medians reported).
    case both(rounds: Int)
    /// Both stacks at once in one server, `nativePercent` % of users (or connections) on native.
    case split(nativePercent: Int)

    /// Parses the option's text.
    ///
    /// - Parameter rounds: The number of rounds `both` runs; at least 3.
    /// - Throws: ``BenchError/invalidOption(_:)`` for anything else.
    package init(parsing text: String, rounds: Int) throws(BenchError) {
        switch text {
        case "compat": self = .single(.compat)
        case "native": self = .single(.native)
        case "both":
            guard rounds >= 3 else { throw .invalidOption("--stack both needs --rounds of at least 3 (got \(rounds)): medians of fewer mean little") }
            self = .both(rounds: rounds)
        default:
            guard text.hasPrefix("split:"), let percent = Int(text.dropFirst("split:".count)), (0...100).contains(percent) else {
                throw .invalidOption("--stack takes compat, native, both or split:P with P from 0 to 100; got '\(text)'")
            }
            self = .split(nativePercent: percent)
        }
    }

    /// The measurements to make, in order: each is the set of stacks loaded at the same time.
    ///
    /// `both` interleaves: compat then native in even rounds, native then compat in odd ones, so
    /// a slow drift of the shared machine favours neither stack.
    package var measurements: [[BenchStack]] {
        switch self {
        case .single(let stack): [[stack]]
        case .both(let rounds): (0..<rounds).flatMap { $0 % 2 == 0 ? [[BenchStack.compat], [.native]] : [[.native], [.compat]] }
        case .split: [[.compat, .native]]
        }
    }

    /// The stack of connection (or user) `index` of `count` in a `split` measurement: the first
    /// `nativePercent` % are native.
    package static func splitStack(index: Int, count: Int, nativePercent: Int) -> BenchStack {
        index * 100 < count * nativePercent ? .native : .compat
    }

    /// How many of `users` users a spawned server pins to native in a `split` measurement:
    /// `round(users × nativePercent / 100)`, halves rounded up.
    package static func splitNativeCount(users: Int, nativePercent: Int) -> Int {
        (max(users, 0) * min(max(nativePercent, 0), 100) + 50) / 100
    }

    /// The pins of a `split` measurement's users (glasses, fanout): the first
    /// ``splitNativeCount(users:nativePercent:)`` of `ids` on native, the rest on compat, so the
    /// split is exact however few users there are (the flag's hash bucketing alone can put both
    /// of 2 users on compat).
    package static func splitPins(_ ids: [String], nativePercent: Int) -> (native: [String], compat: [String]) {
        let native = Self.splitNativeCount(users: ids.count, nativePercent: nativePercent)
        return (Array(ids.prefix(native)), Array(ids.dropFirst(native)))
    }

    package var description: String {
        switch self {
        case .single(let stack): stack.rawValue
        case .both(let rounds): "both (\(rounds) rounds)"
        case .split(let percent): "split:\(percent)"
        }
    }
}
