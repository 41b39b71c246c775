import NIOCore

extension ByteBuffer {
    /// Writes `value` as ASCII decimal digits without building a `String`.
    @inline(__always)
    mutating func writeDecimal(_ value: UInt64) {
        var digits: (UInt64, Int) = (1, 1)
        while digits.0 <= value / 10 {
            digits = (digits.0 * 10, digits.1 + 1)
        }
        var divisor = digits.0
        while divisor > 0 {
            self.writeInteger(UInt8(ascii: "0") + UInt8((value / divisor) % 10))
            divisor /= 10
        }
    }

    /// Reads the `#SEQ:NANOS#` marker the glasses put into every JSON event, from the first
    /// `#` in the readable bytes; `nil` when there is none or it is malformed.
    func readBenchMarker() -> (sequence: UInt64, sentAt: UInt64)? {
        let view = self.readableBytesView
        guard var index = view.firstIndex(of: UInt8(ascii: "#")) else { return nil }
        index = view.index(after: index)
        var numbers: (UInt64, UInt64) = (0, 0)
        var field = 0
        var digits = 0
        while index < view.endIndex {
            let byte = view[index]
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = UInt64(byte - UInt8(ascii: "0"))
                if field == 0 { numbers.0 = numbers.0 &* 10 &+ digit } else { numbers.1 = numbers.1 &* 10 &+ digit }
                digits += 1
            case UInt8(ascii: ":") where field == 0 && digits > 0:
                field = 1
                digits = 0
            case UInt8(ascii: "#") where field == 1 && digits > 0:
                return numbers
            default:
                return nil
            }
            index = view.index(after: index)
        }
        return nil
    }
}
