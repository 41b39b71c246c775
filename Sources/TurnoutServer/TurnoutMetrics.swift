import Metrics
package import Prometheus
import Synchronization

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

    /// The upper bounds of every duration histogram (`turnout_message_handling_seconds`), below
    /// the implicit `+Inf`; `/admin/compare` reads its percentiles from the same buckets.
    package static let durationBuckets: [Duration] = [
        .microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
        .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(50),
        .milliseconds(250), .seconds(1),
    ]

    /// Installs the registry as the swift-metrics backend, once.
    package static func bootstrap() {
        _ = registry
    }

    /// The Prometheus text exposition of every metric.
    package static func render() -> String {
        registry.emitToString()
    }
}
