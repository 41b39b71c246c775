/// `turnout compare`'s table: both stacks side by side for one window, with native ÷ compat,
/// for the instances added up (when there are several) and for each instance.
///
/// Pure: the same snapshots give the same text.
package enum CompareTable {
    /// An instance and what it answered.
    package struct Instance: Sendable {
        /// How the row names it: the admin URL.
        package var name: String
        /// Its `/admin/compare`, or why it could not be read.
        package var answer: Result<CompareSnapshot, CompareFetchError>

        /// Creates an instance row.
        package init(name: String, answer: Result<CompareSnapshot, CompareFetchError>) {
            self.name = name
            self.answer = answer
        }
    }

    /// The columns, after `instance` and `stack`.
    static let headers = [
        "open", "opened", "msg in/s", "msg out/s", "B in/s", "B out/s", "p50 µs", "p90 µs", "p99 µs", "abnormal/conn-min", "backpressure",
        "closes",
    ]

    /// The table for `window` (`1m`, `5m` or `15m`).
    ///
    /// - Parameters:
    ///   - instances: Each instance's answer, in the order given on the command line.
    ///   - window: The window's name.
    /// - Returns: Lines ending with a newline: a title, the header, three rows per instance
    ///   (compat, native, ratio), `all` first when there are several, then the refusals and
    ///   any instance that could not be read.
    package static func render(_ instances: [Instance], window: String) -> String {
        var readable: [(name: String, window: CompareSnapshot.Window, bounds: [Double])] = []
        var problems: [String] = []
        for instance in instances {
            switch instance.answer {
            case .success(let snapshot):
                guard let figures = snapshot.windows[window] else {
                    problems.append("\(instance.name): no window '\(window)'")
                    continue
                }
                readable.append((instance.name, figures, snapshot.handlingBucketsMicroseconds.map { $0 ?? .infinity }))
            case .failure(let error):
                problems.append(error.description)
            }
        }
        var rows: [[String]] = [["instance", "stack"] + Self.headers]
        var groups = readable
        if readable.count > 1, let first = readable.first {
            let sum = readable.dropFirst().reduce(first.window) { $0 + $1.window }
            groups.insert(("all", sum, first.bounds), at: 0)
        }
        for group in groups {
            let compat = Self.cells(group.window.compat, bounds: group.bounds)
            let native = Self.cells(group.window.native, bounds: group.bounds)
            rows.append([group.name, "compat"] + compat.map(\.text))
            rows.append(["", "native"] + native.map(\.text))
            rows.append(["", "ratio"] + zip(native, compat).map { Self.ratio($0.value, $1.value) })
        }
        let seconds = readable.map(\.window.seconds).max() ?? 0
        var lines = ["turnout compare · window \(window) (\(Self.number(seconds)) s) · \(instances.count) instance(s)"]
        lines += Self.align(rows)
        for group in groups {
            let refusals = group.window.upgradeRefusals
            let reasons = refusals.filter { $0.key != "total" && $0.value > 0 }.sorted { $0.key < $1.key }
            let detail = reasons.isEmpty ? "" : " (" + reasons.map { "\($0.key) \(Self.number($0.value))" }.joined(separator: ", ") + ")"
            lines.append("upgrade refusals, \(group.name): \(Self.number(refusals["total"] ?? 0))\(detail); refused before any stack is chosen")
        }
        lines += problems.map { "unreadable: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    private struct Cell {
        var value: Double?
        var text: String
    }

    private static func cells(_ figures: CompareSnapshot.Figures, bounds: [Double]) -> [Cell] {
        let quantile = { (q: Double) in CompareReport.quantile(q, cumulative: figures.handling.buckets, bounds: bounds) }
        let minutes = figures.abnormalCloses.connectionMinutes
        let closes = figures.closes.filter { $0.key != "total" && $0.value > 0 }.sorted { $0.key < $1.key }
        let closesText = closes.isEmpty ? "0" : closes.map { "\($0.key)×\(Self.number($0.value))" }.joined(separator: " ")
        let values: [Double?] = [
            figures.connections.open["total"], figures.connections.opened["total"],
            figures.messagesInPerSecond, figures.messagesOutPerSecond, figures.bytesInPerSecond, figures.bytesOutPerSecond,
            quantile(0.5), quantile(0.9), quantile(0.99),
            minutes > 0 ? figures.abnormalCloses.count / minutes : nil,
            figures.backpressure["total"],
        ]
        return values.map { Cell(value: $0, text: $0.map(Self.number) ?? "-") } + [Cell(value: figures.closes["total"], text: closesText)]
    }

    private static func ratio(_ native: Double?, _ compat: Double?) -> String {
        guard let native, let compat, compat != 0 else { return "-" }
        return Self.fixed(native / compat, decimals: 2)
    }

    /// Integers as they are, large numbers without decimals, small ones with up to 2.
    static func number(_ value: Double) -> String {
        if value == value.rounded() || abs(value) >= 100 { return String(Int64(value.rounded())) }
        return Self.fixed(value, decimals: abs(value) >= 10 ? 1 : 2)
    }

    private static func fixed(_ value: Double, decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int64((abs(value) * scale).rounded())
        let whole = scaled / Int64(scale)
        let fraction = String(scaled % Int64(scale))
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return "\(sign)\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }

    /// Columns padded to their widest cell: the first two left-aligned, the rest right-aligned.
    private static func align(_ rows: [[String]]) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column < 2 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }.map { line in
            var line = line
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
