import NIOConcurrencyHelpers

/// Every ``HandlingTimeHistogram`` of the process, one per stack and endpoint, rendered together.
///
/// Process-wide like the Prometheus registry it sits beside. Its lock is taken when a connection
/// opens and when `/metrics` is scraped, never per message.
package final class HandlingTimeHistograms: Sendable {
    /// The process's histograms.
    package static let shared = HandlingTimeHistograms()

    private struct Key: Hashable {
        var stack: String
        var endpoint: String
    }

    private let histograms = NIOLockedValueBox([Key: HandlingTimeHistogram]())

    /// Creates an empty set; the server uses ``shared``.
    package init() {}

    /// The histogram of `stack` and `endpoint`, made on first use.
    package func histogram(stack: TransportStack, endpoint: ConnectionEndpoint) -> HandlingTimeHistogram {
        self.histograms.withLockedValue { histograms in
            let key = Key(stack: stack.label, endpoint: endpoint.rawValue)
            if let histogram = histograms[key] { return histogram }
            let histogram = HandlingTimeHistogram(stack: stack, endpoint: endpoint)
            histograms[key] = histogram
            return histogram
        }
    }

    /// The exposition of every histogram, with its `# TYPE` line; empty before the first connection.
    package func render() -> String {
        let histograms = self.histograms.withLockedValue { histograms in
            histograms.sorted { ($0.key.stack, $0.key.endpoint) < ($1.key.stack, $1.key.endpoint) }.map(\.value)
        }
        guard !histograms.isEmpty else { return "" }
        var text = "# TYPE turnout_message_handling_seconds histogram\n"
        for histogram in histograms { histogram.render(into: &text) }
        return text
    }
}
