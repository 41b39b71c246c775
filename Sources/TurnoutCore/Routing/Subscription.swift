/// One entry of an app's `subscription_update`, normalised.
///
/// A bare `transcription` becomes `transcription:en-US`; an object entry
/// `{"stream":"location_stream","rate":...}` contributes its `stream` (the rate is accepted and
/// not used by the core).
package struct Subscription: Sendable, Hashable {
    /// The normalised stream name, such as `button_press`, `transcription:en-US`, `*`.
    package var stream: String

    /// Creates a subscription, normalising a bare `transcription`.
    package init(_ stream: String) {
        self.stream = stream == "transcription" ? "transcription:\(Subscription.defaultTranscriptionLanguage)" : stream
    }

    /// The language a bare `transcription` stands for.
    package static let defaultTranscriptionLanguage = "en-US"
}
