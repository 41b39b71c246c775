import Logging

/// What every session and connection of one ``SessionRegistry`` shares; immutable.
final class CoreEnvironment: Sendable {
    let configuration: CoreConfiguration
    /// The `/app-ws` URL in force: the configuration's until the public port is bound.
    let appURL: AppWebSocketURL
    let scheduler: any CoreScheduler
    let clock: WallClock
    let apps: AppRegistryStore
    let webhooks: WebhookDispatcher
    /// Every connection's ramp-guard counters, per stack.
    let signals: StackSignals
    let logger: Logger

    init(
        configuration: CoreConfiguration,
        scheduler: any CoreScheduler,
        clock: WallClock,
        apps: AppRegistryStore,
        webhooks: WebhookDispatcher,
        signals: StackSignals,
        logger: Logger
    ) {
        self.signals = signals
        self.configuration = configuration
        self.appURL = AppWebSocketURL(configuration.appWebSocketURL)
        self.scheduler = scheduler
        self.clock = clock
        self.apps = apps
        self.webhooks = webhooks
        self.logger = logger
    }

    /// The `/app-ws` URL for a user's `session_request`: the configured URL plus `userId=<percent-encoded>`.
    func appWebSocketURL(forUser userId: String) -> String {
        let base = self.appURL.current
        let separator = base.contains("?") ? "&" : "?"
        return base + separator + "userId=" + Self.percentEncoded(userId)
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`).
    static func percentEncoded(_ value: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hex[Int(byte >> 4)])
                output.append(hex[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The `session_request` webhook for an app and user.
    func sessionRequest(app: AppRegistry.App, userId: String, timestamp: Timestamp) -> WebhookRequest {
        let sessionId = userId + "-" + app.packageName
        let body = OutboundMessage.sessionRequest(
            sessionId: sessionId,
            userId: userId,
            webSocketURL: self.appWebSocketURL(forUser: userId),
            timestamp: timestamp
        )
        return WebhookRequest(kind: .sessionRequest, url: app.webhookURL, body: body, packageName: app.packageName, userId: userId)
    }

    /// The `stop_request` webhook for an app and user.
    func stopRequest(app: AppRegistry.App, userId: String, timestamp: Timestamp) -> WebhookRequest {
        let body = OutboundMessage.stopRequest(sessionId: userId + "-" + app.packageName, userId: userId, timestamp: timestamp)
        return WebhookRequest(kind: .stopRequest, url: app.webhookURL, body: body, packageName: app.packageName, userId: userId)
    }
}
