import Metrics
package import Prometheus
import Synchronization
import TurnoutCore

/// The process-wide Prometheus registry behind swift-metrics.
///
/// swift-metrics can be bootstrapped once per process, so the first server (or test) to start
/// installs the registry and every later one shares it.
package enum TurnoutMetrics {
    /// The registry `/metrics` renders.
    package static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.durationBuckets
        MetricsSystem.bootstrap(factory)
        return registry
    }()

    /// The upper bounds of every duration histogram, below the implicit `+Inf`: those of
    /// `turnout_message_handling_seconds` (``HandlingTimeHistogram``), whose percentiles
    /// `/admin/compare` reads.
    package static let durationBuckets: [Duration] = HandlingTimeHistogram.upperBounds.map { .nanoseconds($0) }

    /// Installs the registry as the swift-metrics backend, once.
    package static func bootstrap() {
        _ = registry
    }

    /// The Prometheus text exposition of every metric: the registry's, then the lock-free
    /// handling-time histograms kept beside it.
    package static func render() -> String {
        registry.emitToString() + HandlingTimeHistograms.shared.render()
    }
}
