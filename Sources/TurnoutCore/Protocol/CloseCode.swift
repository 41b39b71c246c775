/// The WebSocket close codes and reasons the core uses, from protocol.md's table.
package enum CloseCode {
    /// 1000: `App stopped`, `User session ended`.
    package static let normal: UInt16 = 1000
    /// 1001: `Ping timeout - no pong received`; server shutting down.
    package static let goingAway: UInt16 = 1001
    /// 1008: app init and policy errors; the reason is the error message.
    package static let policyViolation: UInt16 = 1008
    /// 1011: internal error.
    package static let internalError: UInt16 = 1011

    /// The reason of close 1000 sent to an app stopped by `stop_app`.
    package static let appStoppedReason = "App stopped"
    /// The reason of close 1000 sent to every app when its user's session ends after the glasses grace.
    package static let userSessionEndedReason = "User session ended"
    /// The reason of close 1001 when no pong arrived in time.
    package static let pingTimeoutReason = "Ping timeout - no pong received"

    /// A close reason cut to the 123 bytes a close frame allows, at a character boundary.
    static func truncatedReason(_ reason: String) -> String {
        guard reason.utf8.count > 123 else { return reason }
        var result = ""
        for character in reason {
            guard result.utf8.count + character.utf8.count <= 123 else { break }
            result.append(character)
        }
        return result
    }
}
