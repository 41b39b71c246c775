/// One entry of an app's `subscription_update`: the stream it matches, and the name the app
/// wrote, which its `data_stream`s carry back as `streamType`.
///
/// The SDK generations in the field write the same stream differently and look their handlers up
/// by the exact `streamType` they receive (docs/protocol.md, "SDK compatibility"), so each app
/// gets the name it subscribed with:
/// - AugmentOS SDK 1.0.x writes the bare `transcription`, which matches `transcription:en-US`;
/// - MentraOS SDK 2.1 writes options after the language, `transcription:en-US?hints=es`, which
///   matches `transcription:en-US`, and `transcription:auto`, which matches every language;
/// - SDK 1.0.x and 2.0.x write `notification_dismissed` for the glasses' `phone_notification_dismissed`.
///
/// An object entry `{"stream":"location_stream","rate":...}` contributes its `stream` (the rate is
/// accepted and not used by the core).
package struct Subscription: Sendable, Hashable {
    /// The stream it matches, such as `button_press`, `transcription:en-US`, `*`.
    package var stream: String
    /// The name as the app wrote it; the `streamType` its events carry.
    package var streamType: String

    /// Creates a subscription from the name an app wrote.
    package init(_ written: String) {
        self.streamType = written
        if written == Self.bareTranscriptionStream {
            self.stream = Self.defaultTranscriptionStream
        } else if written == Self.notificationDismissedAlias {
            self.stream = Self.notificationDismissedStream
        } else if written.hasPrefix(Self.transcriptionPrefix), let options = written.firstIndex(of: "?") {
            self.stream = String(written[..<options])
        } else {
            self.stream = written
        }
    }

    /// The language a bare `transcription` stands for.
    package static let defaultTranscriptionLanguage = "en-US"
    /// What every transcription stream starts with.
    package static let transcriptionPrefix = "transcription:"
    /// The bare stream name SDK 1.0.x writes.
    package static let bareTranscriptionStream = "transcription"
    /// The stream a bare `transcription` stands for: `transcription:en-US`.
    package static let defaultTranscriptionStream = transcriptionPrefix + defaultTranscriptionLanguage
    /// MentraOS SDK 2.1's language-detecting transcription: every language matches it.
    package static let autoTranscriptionStream = transcriptionPrefix + "auto"
    /// The glasses' message type for a dismissed phone notification.
    package static let notificationDismissedStream = "phone_notification_dismissed"
    /// The name SDK 1.0.x and 2.0.x subscribe to it with.
    package static let notificationDismissedAlias = "notification_dismissed"
}
