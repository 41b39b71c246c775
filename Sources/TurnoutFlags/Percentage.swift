/// A share of users, held as an exact whole number of hundredths of a percent.
///
/// flags.yaml allows at most two decimals, so `12.34` is stored as 1234 with no floating point
/// in between: the boundary a user's bucket is compared with is exactly what the operator wrote.
public struct Percentage: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Hundredths of a percent, in `0...10_000`.
    public let hundredths: Int

    /// Nobody.
    public static let zero = Percentage(uncheckedHundredths: 0)
    /// Everybody.
    public static let all = Percentage(uncheckedHundredths: 10_000)

    /// Creates a percentage from hundredths, or `nil` outside `0...10_000`.
    public init?(hundredths: Int) {
        guard (0...10_000).contains(hundredths) else { return nil }
        self.hundredths = hundredths
    }

    private init(uncheckedHundredths: Int) {
        self.hundredths = uncheckedHundredths
    }

    /// Why a written percentage was refused.
    public enum ParseError: Error, Sendable, Hashable {
        /// Not a plain decimal number.
        case notANumber
        /// More than two digits after the point.
        case tooManyDecimals
        /// Below 0 or above 100.
        case outOfRange
    }

    /// Parses a decimal as written in flags.yaml or on the command line: `5`, `0.5`, `12.34`, `100`.
    public static func parse(_ text: String) -> Result<Percentage, ParseError> {
        var rest = Substring(text)
        let negative = rest.first == "-"
        if negative || rest.first == "+" { rest = rest.dropFirst() }
        let parts = rest.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits: (Substring) -> Bool = { $0.allSatisfy { $0.isASCII && $0.isNumber } }
        guard !whole.isEmpty || !fraction.isEmpty, isDigits(whole), isDigits(fraction), !(parts.count > 1 && fraction.isEmpty) else {
            return .failure(.notANumber)
        }
        let significantFraction = fraction.reversed().drop { $0 == "0" }.reversed()
        guard significantFraction.count <= 2 else { return .failure(.tooManyDecimals) }
        guard whole.count <= 4, let wholeValue = whole.isEmpty ? 0 : Int(whole) else { return .failure(.outOfRange) }
        let fractionDigits = String(significantFraction) + String(repeating: "0", count: 2 - significantFraction.count)
        let hundredths = wholeValue * 100 + (Int(fractionDigits) ?? 0)
        guard !negative || hundredths == 0, let value = Percentage(hundredths: hundredths) else { return .failure(.outOfRange) }
        return .success(value)
    }

    /// The shortest exact decimal: `5`, `0.5`, `12.34`.
    public var description: String {
        let whole = hundredths / 100
        let fraction = hundredths % 100
        if fraction == 0 { return "\(whole)" }
        if fraction % 10 == 0 { return "\(whole).\(fraction / 10)" }
        return fraction < 10 ? "\(whole).0\(fraction)" : "\(whole).\(fraction)"
    }

    public static func < (lhs: Percentage, rhs: Percentage) -> Bool { lhs.hundredths < rhs.hundredths }
}
