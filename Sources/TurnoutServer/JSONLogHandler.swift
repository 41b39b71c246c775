import Foundation
package import Logging
import NIOConcurrencyHelpers
import TurnoutCore

/// A swift-log handler that writes one JSON object per line to standard error.
///
/// Each line carries `ts`, `level`, `label`, `message` and the merged metadata, so a
/// connection's lines carry its `userId`, `endpoint` and `stack`. Values are written as strings.
package struct JSONLogHandler: LogHandler {
    package var logLevel: Logger.Level
    package var metadata: Logger.Metadata = [:]
    private let label: String

    /// Lines from different threads must not interleave.
    private static let output = NIOLock()

    /// Creates a handler for `label` at `level`.
    package init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var fields = metadata
        if let extra = event.metadata {
            fields.merge(extra) { _, new in new }
        }
        var object: [String: String] = [:]
        for (key, value) in fields {
            object[key] = "\(value)"
        }
        object["ts"] = Self.timestamp()
        object["level"] = event.level.rawValue
        object["label"] = label
        object["message"] = "\(event.message)"
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(UInt8(ascii: "\n"))
        Self.output.withLock {
            FileHandle.standardError.write(data)
        }
    }

    private static func timestamp() -> String {
        Timestamp(millisecondsSince1970: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))).iso8601
    }
}
