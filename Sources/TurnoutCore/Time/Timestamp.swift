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

    /// Appends the ISO-8601 rendering (24 bytes for years 0...9999) to a buffer.
    func write(to buffer: inout ByteBuffer) {
        let milliseconds = self.millisecondsSince1970
        var days = milliseconds / 86_400_000
        var remainder = milliseconds % 86_400_000
        if remainder < 0 {
            remainder += 86_400_000
            days -= 1
        }
        let (year, month, day) = Self.civilFromDays(days)
        let millisecond = remainder % 1000
        let second = remainder / 1000 % 60
        let minute = remainder / 60_000 % 60
        let hour = remainder / 3_600_000
        Self.writeDigits(year, count: 4, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        Self.writeDigits(month, count: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "-"))
        Self.writeDigits(day, count: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "T"))
        Self.writeDigits(hour, count: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        Self.writeDigits(minute, count: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: ":"))
        Self.writeDigits(second, count: 2, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "."))
        Self.writeDigits(millisecond, count: 3, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "Z"))
    }

    private static func writeDigits(_ value: Int64, count: Int, to buffer: inout ByteBuffer) {
        var digits: (UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0)
        var value = max(value, 0)
        withUnsafeMutableBytes(of: &digits) { raw in
            for index in stride(from: count - 1, through: 0, by: -1) {
                raw[index] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
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
