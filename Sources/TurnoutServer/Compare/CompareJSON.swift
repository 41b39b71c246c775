/// A JSON value for `/admin/compare`, rendered compactly with sorted keys and rounded numbers so
/// that the same history always gives the same text.
enum CompareJSON: Sendable, Equatable {
    /// `null`.
    case null
    /// A number; rendered rounded to 4 decimals, integers without a fraction, NaN and ±∞ as `null`.
    case number(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([CompareJSON])
    /// An object; keys are rendered sorted.
    case object([String: CompareJSON])

    /// A number, or `null` for `nil`.
    static func optional(_ value: Double?) -> CompareJSON {
        value.map(CompareJSON.number) ?? .null
    }

    /// The compact JSON text.
    var text: String {
        var output = ""
        self.write(to: &output)
        return output
    }

    /// native ÷ compat for every number both objects have, `null` where compat is zero or either
    /// side is `null`; arrays and strings have no ratio and are left out.
    ///
    /// - Returns: The same shape as the operands, or `nil` where there is no ratio.
    static func ratio(native: CompareJSON, compat: CompareJSON) -> CompareJSON? {
        switch (native, compat) {
        case (.number(let native), .number(let compat)):
            return compat == 0 ? .null : .number(native / compat)
        case (.null, .number), (.number, .null), (.null, .null):
            return .null
        case (.object(let native), .object(let compat)):
            var ratios: [String: CompareJSON] = [:]
            for (key, value) in native {
                guard let other = compat[key], let ratio = Self.ratio(native: value, compat: other) else { continue }
                ratios[key] = ratio
            }
            return .object(ratios)
        default:
            return nil
        }
    }

    private func write(to output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .number(let value):
            output += Self.render(value)
        case .string(let value):
            output += "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": output += "\\\""
                case "\\": output += "\\\\"
                case "\n": output += "\\n"
                case _ where scalar.value < 0x20:
                    output += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: output.unicodeScalars.append(scalar)
                }
            }
            output += "\""
        case .array(let values):
            output += "["
            for (index, value) in values.enumerated() {
                if index > 0 { output += "," }
                value.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output += "," }
                CompareJSON.string(key).write(to: &output)
                output += ":"
                members[key]!.write(to: &output)
            }
            output += "}"
        }
    }

    private static func render(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let rounded = (value * 10_000).rounded() / 10_000
        if rounded == rounded.rounded(), abs(rounded) < 1e15 {
            return String(Int64(rounded))
        }
        return "\(rounded)"
    }
}
