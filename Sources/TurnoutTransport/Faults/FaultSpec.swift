package import TurnoutFlags

/// One injected fault on one stack, as `turnout serve --inject-fault` spells it:
/// `native:close=1011,rate=0.05`, `native:delay=5ms`, `native:delay=5ms,rate=0.2`,
/// `native:drop-audio=0.1` (or `compat:` for the other stack).
///
/// For staging drills and tests only: it rehearses the ramp guard's rollback the way Envoy's
/// fault filter is used. Off unless given, and refused without `--dev` or `TURNOUT_ALLOW_FAULTS=1`.
package struct FaultSpec: Sendable, Hashable, CustomStringConvertible {
    /// What the fault does to a message received on the stack's sockets.
    package enum Kind: Sendable, Hashable {
        /// Close the socket with `code` instead of delivering the message, with probability `rate`.
        case close(code: UInt16, rate: Double)
        /// Hold the message for `delay` before delivering it, with probability `rate`; later
        /// messages wait behind it, so order is kept.
        case delay(Duration, rate: Double)
        /// Drop a binary (audio) message with probability `rate`.
        case dropAudio(rate: Double)
    }

    /// The stack whose sockets it affects.
    package var stack: Stack
    /// What it does.
    package var kind: Kind

    /// Creates a fault.
    package init(stack: Stack, kind: Kind) {
        self.stack = stack
        self.kind = kind
    }

    /// Parses `STACK:FAULT[,rate=R]`.
    /// - Throws: ``FaultSpecError`` naming what is wrong and what is expected.
    package init(parsing text: String) throws(FaultSpecError) {
        guard let colon = text.firstIndex(of: ":") else { throw .malformed(text, "expected STACK:FAULT, such as native:close=1011,rate=0.05") }
        let stackName = String(text[..<colon])
        guard let stack = Stack(rawValue: stackName) else { throw .malformed(text, "unknown stack '\(stackName)'; expected 'native' or 'compat'") }
        var settings: [(key: String, value: String)] = []
        for part in text[text.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, !pair[0].isEmpty, !pair[1].isEmpty else { throw .malformed(text, "'\(part)' is not KEY=VALUE") }
            settings.append((String(pair[0]), String(pair[1])))
        }
        guard let (name, value) = settings.first else { throw .malformed(text, "no fault after '\(stackName):'") }
        let options = settings.dropFirst()
        var rate = 1.0
        for (key, value) in options {
            guard key == "rate", name != "drop-audio" else {
                throw .malformed(text, "unknown setting '\(key)' for \(name); only close and delay take ',rate=R'")
            }
            rate = try Self.probability(value, in: text)
        }
        switch name {
        case "close":
            guard let code = UInt16(value), (1000...4999).contains(code), ![1004, 1005, 1006, 1015].contains(code) else {
                throw .malformed(text, "close code '\(value)' cannot be sent; use 1011 or another code from 1000–4999 but 1004–1006 and 1015")
            }
            guard options.contains(where: { $0.key == "rate" }) else { throw .malformed(text, "close needs ',rate=R', the probability per message") }
            self.init(stack: stack, kind: .close(code: code, rate: rate))
        case "delay":
            guard let delay = Self.duration(value), delay > .zero, delay <= .seconds(10) else {
                throw .malformed(text, "delay '\(value)' must be a duration from 1ms to 10s, such as 5ms")
            }
            self.init(stack: stack, kind: .delay(delay, rate: rate))
        case "drop-audio":
            self.init(stack: stack, kind: .dropAudio(rate: try Self.probability(value, in: text)))
        default:
            throw .malformed(text, "unknown fault '\(name)'; expected close, delay or drop-audio")
        }
    }

    /// `native:close=1011,rate=0.05`: the spelling it was given in.
    package var description: String {
        switch kind {
        case .close(let code, let rate): "\(stack):close=\(code),rate=\(rate)"
        case .delay(let delay, let rate): "\(stack):delay=\(Self.format(delay))" + (rate < 1 ? ",rate=\(rate)" : "")
        case .dropAudio(let rate): "\(stack):drop-audio=\(rate)"
        }
    }

    private static func probability(_ text: String, in spec: String) throws(FaultSpecError) -> Double {
        guard let value = Double(text), value > 0, value <= 1 else {
            throw .malformed(spec, "'\(text)' is not a probability; expected a number in (0, 1], such as 0.05")
        }
        return value
    }

    /// `5ms`, `250us`, `1s`.
    private static func duration(_ text: String) -> Duration? {
        for (suffix, scale) in [("ms", 1_000_000.0), ("us", 1_000.0), ("s", 1_000_000_000.0)] where text.hasSuffix(suffix) {
            guard let value = Double(text.dropLast(suffix.count)), value.isFinite else { return nil }
            return .nanoseconds(Int64(value * scale))
        }
        return nil
    }

    private static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let microseconds = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        if microseconds % 1000 != 0 { return "\(microseconds)us" }
        return "\(microseconds / 1000)ms"
    }
}

/// A `--inject-fault` value that cannot be used.
package enum FaultSpecError: Error, Hashable, CustomStringConvertible {
    /// The value as given, and what is wrong with it.
    case malformed(String, String)

    package var description: String {
        switch self {
        case .malformed(let text, let problem): "--inject-fault '\(text)': \(problem)"
        }
    }
}
