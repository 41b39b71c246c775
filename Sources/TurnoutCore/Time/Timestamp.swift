import NIOCore

/// A wall-clock instant with millisecond precision, as carried in every protocol message.
///
/// Rendered as ISO-8601 UTC with exactly three fractional digits, such as
/// `2026-11-28T06:00:00.000Z`, without Foundation's formatters (no locale, no allocation
/// beyond the output).
package struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z; negative values are before the epoch.
    package var millisecondsSince1970: Int64

    /// Creates a timestamp from milliseconds since the Unix epoch.
    package init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = millisecondsSince1970
    }

    /// Creates a timestamp from a calendar date and time in UTC.
    ///
    /// - Precondition: every field is in its usual range (month 1...12, day 1...31 and so on).
    package init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, millisecond: Int = 0) {
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        let seconds = ((days * 24 + Int64(hour)) * 60 + Int64(minute)) * 60 + Int64(second)
        self.millisecondsSince1970 = seconds * 1000 + Int64(millisecond)
    }

    /// The timestamp moved by a duration, truncated to milliseconds.
    package func advanced(by duration: Duration) -> Timestamp {
        let (seconds, attoseconds) = duration.components
        return Timestamp(millisecondsSince1970: self.millisecondsSince1970 + seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    package static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }

    /// The ISO-8601 rendering, such as `2026-11-28T06:00:00.000Z`.
    package var iso8601: String {
        var buffer = ByteBuffer()
        self.write(to: &buffer)
        return String(buffer: buffer)
    }

    package var description: String { self.iso8601 }

    /// The length of the rendering: `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static let renderedLength = 24

    /// Appends the ISO-8601 rendering (24 bytes) to a buffer.
    ///
    /// Years outside 0...9999 keep their last four digits (negative years render as `0000`).
    func write(to buffer: inout ByteBuffer) {
        // One reservation and raw stores: this runs once per routed message, and 24 separate
        // `writeInteger` calls each re-check capacity and uniqueness.
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: Self.renderedLength) { output in
            self.render(into: output)
            return Self.renderedLength
        }
    }

    /// Renders into the first ``renderedLength`` bytes of `output`.
    ///
    /// - Precondition: `output` holds at least ``renderedLength`` bytes.
    func render(into output: UnsafeMutableRawBufferPointer) {
        let milliseconds = self.millisecondsSince1970
        var days = milliseconds / 86_400_000
        var remainder = milliseconds % 86_400_000
        if remainder < 0 {
            remainder += 86_400_000
            days -= 1
        }
        let (year, month, day) = Self.civilFromDays(days)
        Self.storeDigits(year, count: 4, at: 0, in: output)
        output[4] = UInt8(ascii: "-")
        Self.storeDigits(month, count: 2, at: 5, in: output)
        output[7] = UInt8(ascii: "-")
        Self.storeDigits(day, count: 2, at: 8, in: output)
        output[10] = UInt8(ascii: "T")
        Self.storeDigits(remainder / 3_600_000, count: 2, at: 11, in: output)
        output[13] = UInt8(ascii: ":")
        Self.storeDigits(remainder / 60_000 % 60, count: 2, at: 14, in: output)
        output[16] = UInt8(ascii: ":")
        Self.storeDigits(remainder / 1000 % 60, count: 2, at: 17, in: output)
        output[19] = UInt8(ascii: ".")
        Self.storeDigits(remainder % 1000, count: 3, at: 20, in: output)
        output[23] = UInt8(ascii: "Z")
    }

    /// Stores the last `count` decimal digits of `value` (0 when negative), zero-padded, at `offset`.
    private static func storeDigits(_ value: Int64, count: Int, at offset: Int, in output: UnsafeMutableRawBufferPointer) {
        var value = max(value, 0)
        for index in stride(from: offset + count - 1, through: offset, by: -1) {
            output[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
    }

    /// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to a proleptic Gregorian date.
    private static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Howard Hinnant's `days_from_civil`.
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
