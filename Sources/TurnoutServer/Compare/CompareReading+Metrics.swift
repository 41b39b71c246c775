import TurnoutCore

extension CompareReading {
    /// The reading of a Prometheus text exposition of the server's registry.
    ///
    /// Samples whose `stack` is neither compat nor native, and names it does not compare, are
    /// ignored; codes and reasons outside the layout count as `other`.
    init(metrics: MetricsText) {
        self.init()
        for sample in metrics.samples {
            if sample.name == "turnout_upgrades_total" {
                guard let result = sample.labels["result"], result != "accepted" else { continue }
                let reason = CompareLayout.refusalReasons.firstIndex(of: result) ?? CompareLayout.refusalReasons.count - 1
                self.values[CompareLayout.refusals + reason] += sample.value
                continue
            }
            guard let stackLabel = sample.labels["stack"], let stack = CompareLayout.stacks.firstIndex(of: stackLabel),
                let offset = Self.offset(of: sample)
            else { continue }
            self[stack: stack, offset: offset] += sample.value
        }
    }

    /// Where a per-stack sample goes, or `nil` for one the comparison does not read.
    private static func offset(of sample: MetricsText.Sample) -> Int? {
        let endpoint = sample.labels["endpoint"].flatMap(CompareLayout.endpoints.firstIndex(of:))
        switch sample.name {
        case "turnout_connections_active": return endpoint.map { CompareLayout.open + $0 }
        case "turnout_connections_total": return endpoint.map { CompareLayout.opened + $0 }
        case "turnout_messages_received_total": return CompareLayout.messagesIn
        case "turnout_messages_sent_total": return CompareLayout.messagesOut
        case "turnout_bytes_received_total": return CompareLayout.bytesIn
        case "turnout_bytes_sent_total": return CompareLayout.bytesOut
        case "turnout_message_handling_seconds_bucket":
            guard let le = sample.labels["le"] else { return nil }
            let bound = le == "+Inf" ? Double.infinity : Double(le)
            guard let bound, let bucket = CompareLayout.bucketBounds.firstIndex(where: { Self.same($0, bound) }) else { return nil }
            return CompareLayout.buckets + bucket
        case "turnout_closes_total":
            let code = sample.labels["code"].map { $0 == "none" ? "1006" : $0 } ?? "other"
            return CompareLayout.closes + (CompareLayout.closeCodes.firstIndex(of: code) ?? CompareLayout.closeCodes.count - 1)
        case "turnout_backpressure_events_total":
            return sample.labels["kind"].flatMap(CompareLayout.backpressureKinds.firstIndex(of:)).map { CompareLayout.backpressure + $0 }
        default:
            return nil
        }
    }

    /// Whether two bucket bounds are the same, allowing for their decimal rendering.
    private static func same(_ a: Double, _ b: Double) -> Bool {
        a == b || (a.isFinite && b.isFinite && abs(a - b) <= 1e-9 * max(abs(a), abs(b)))
    }
}
