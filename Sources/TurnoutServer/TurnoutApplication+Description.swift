extension TurnoutApplication: CustomStringConvertible {
    /// `TurnoutApplication(<configuration, secrets redacted>)`: swift-service-lifecycle logs
    /// every service this way at debug level.
    package var description: String {
        "TurnoutApplication(\(configuration))"
    }
}
