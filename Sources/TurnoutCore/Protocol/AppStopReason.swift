/// Why the core stopped an app: the `reason` of `app_stopped` (protocol.md, "Cloud → app").
///
/// The SDKs' `AppStopped` type requires a reason, and apps show it to their users ("App stopped:
/// <reason>"), so the core always names one.
enum AppStopReason: String, Sendable {
    /// The user stopped the app from the glasses (`stop_app`).
    case userDisabled = "user_disabled"
    /// The server ended the app: the user's session ended after the glasses grace.
    case systemStop = "system_stop"
}
