/// An app's whole subscription set, ready for matching.
///
/// Matching rules (protocol.md):
/// - a stream matches when the set names it;
/// - `all` and `*` match every stream, `audio_chunk` included;
/// - `location_stream` matches `location_update`;
/// - `transcription:auto` matches every `transcription:<language>`;
/// - a name written another way matches its stream (see ``Subscription``).
///
/// An event carries the stream's own name as `streamType`, except to an app that subscribed to it
/// only under another name: that app gets its own name back (``streamType(for:)``).
///
/// Audio is needed when the set names `audio_chunk`, or any `transcription:…` or `translation:…`
/// stream. `all` and `*` alone do not need audio.
package struct SubscriptionSet: Sendable, Hashable {
    /// The normalised stream names.
    package private(set) var streams: Set<String>
    /// Whether the set contains `all` or `*`.
    package private(set) var matchesEverything: Bool
    /// Whether the set makes the glasses' microphone necessary.
    package private(set) var needsAudio: Bool
    /// Whether binary audio goes to the app: `audio_chunk`, `all` or `*`.
    package private(set) var matchesAudio: Bool
    /// Whether some event reaches the app under a `streamType` other than its stream's name.
    package private(set) var renamesStreams: Bool
    /// Stream → the name the app wrote for it, where the two differ and the app did not also
    /// write the stream's own name.
    private var writtenNames: [String: String]
    /// The name the app wrote for `transcription:auto`, when it subscribed to it.
    private var autoTranscriptionName: String?
    /// The same names, sorted, when there are at most ``linearSearchLimit`` of them; `nil` otherwise.
    ///
    /// Matching runs once per app for every routed event. A set lookup hashes the stream name
    /// (SipHash) for each app; for the handful of subscriptions an app has, comparing names
    /// directly is cheaper (small strings compare as two machine words). Sorted, so that equal
    /// sets stay equal.
    private var sortedStreams: [String]?

    /// Up to how many streams matching compares names one by one instead of hashing.
    private static let linearSearchLimit = 8

    /// The empty set: matches nothing.
    package init() {
        self.streams = []
        self.matchesEverything = false
        self.needsAudio = false
        self.matchesAudio = false
        self.renamesStreams = false
        self.writtenNames = [:]
        self.autoTranscriptionName = nil
        self.sortedStreams = []
    }

    /// A set from the entries of one `subscription_update`.
    package init(_ subscriptions: some Collection<Subscription>) {
        self.streams = Set(subscriptions.lazy.map(\.stream))
        self.matchesEverything = self.streams.contains("all") || self.streams.contains("*")
        self.needsAudio = self.streams.contains { stream in
            stream == "audio_chunk" || stream.hasPrefix("transcription:") || stream.hasPrefix("translation:")
        }
        self.matchesAudio = self.matchesEverything || self.streams.contains("audio_chunk")
        var writtenNames: [String: String] = [:]
        for subscription in subscriptions where subscription.streamType != subscription.stream {
            writtenNames[subscription.stream] = writtenNames[subscription.stream] ?? subscription.streamType
        }
        // An app that also wrote the stream's own name gets that name.
        for subscription in subscriptions where subscription.streamType == subscription.stream {
            writtenNames[subscription.stream] = nil
        }
        self.autoTranscriptionName =
            writtenNames.removeValue(forKey: Subscription.autoTranscriptionStream)
            ?? (self.streams.contains(Subscription.autoTranscriptionStream) ? Subscription.autoTranscriptionStream : nil)
        self.writtenNames = writtenNames
        self.renamesStreams = !writtenNames.isEmpty || self.autoTranscriptionName != nil
        self.sortedStreams = self.streams.count <= Self.linearSearchLimit ? self.streams.sorted() : nil
    }

    /// Whether an event of this stream goes to the app.
    ///
    /// - Parameter stream: The event's stream: a glasses message's `type`, `transcription:<lang>` or `audio_chunk`.
    package func matches(_ stream: String) -> Bool {
        if self.matchesEverything || self.contains(stream) { return true }
        if stream == "location_update" { return self.contains("location_stream") }
        return self.autoTranscriptionName != nil && stream.hasPrefix(Subscription.transcriptionPrefix)
    }

    /// The `streamType` an event of `stream` carries to this app: the name the app subscribed to
    /// it with. Only differs from `stream` when ``renamesStreams``.
    package func streamType(for stream: String) -> String {
        guard self.renamesStreams else { return stream }
        if let written = self.writtenNames[stream] { return written }
        if let auto = self.autoTranscriptionName, stream.hasPrefix(Subscription.transcriptionPrefix), !self.contains(stream) {
            return auto
        }
        return stream
    }

    /// Whether the set is empty.
    package var isEmpty: Bool { self.streams.isEmpty }

    private func contains(_ stream: String) -> Bool {
        if let sortedStreams = self.sortedStreams {
            return sortedStreams.contains(stream)
        }
        return self.streams.contains(stream)
    }
}
