import NIOCore

extension UserSession {
    /// Routes one glasses event (a relayed message or a transcription) to the subscribed apps as `data_stream`.
    ///
    /// The per-message path: it takes the stream and data directly rather than the whole
    /// ``GlassesMessage``, which the lock's closure would otherwise copy.
    /// - Parameters:
    ///   - handle: The connection it came on; events from a replaced socket are dropped.
    ///   - stream: The event's stream: its `type`, or `transcription:<language>`.
    ///   - data: The `data` to send: the original message, or the transcription object.
    ///   - now: The timestamp of the `data_stream`s.
    func glassesEvent(from handle: ConnectionHandle, stream: String, data: ByteBuffer, now: Timestamp) -> Outcome {
        self.performForGlasses(handle) { state in
            self.fanOut(&state, stream: stream, data: data, now: now)
            return .handled
        }
    }

    /// Forwards one binary audio frame to the apps that match `audio_chunk`, keeping whole samples.
    func glassesBinary(from handle: ConnectionHandle, _ data: ByteBuffer) -> Outcome {
        self.perform { state in
            guard var glasses = state.glasses, glasses.handle === handle else {
                return .dropped("audio from a replaced glasses socket")
            }
            var frame = data
            if let carried = glasses.carriedByte {
                var joined = ByteBuffer()
                joined.reserveCapacity(data.readableBytes + 1)
                joined.writeInteger(carried)
                joined.writeImmutableBuffer(data)
                frame = joined
                glasses.carriedByte = nil
            }
            if frame.readableBytes % 2 == 1 {
                glasses.carriedByte = frame.getInteger(at: frame.writerIndex - 1, as: UInt8.self)
                frame = frame.getSlice(at: frame.readerIndex, length: frame.readableBytes - 1)!
            }
            state.glasses = glasses
            guard frame.readableBytes > 0 else { return .handled }
            for app in state.apps where app.subscriptions.matchesAudio {
                if let connection = app.connection {
                    state.outbox.append(.binary(connection, frame))
                }
            }
            return .handled
        }
    }

    /// Queues a `data_stream` for every running app subscribed to `stream`.
    ///
    /// Each app gets the `streamType` it subscribed with (``SubscriptionSet/streamType(for:)``).
    /// Nearly always that is the stream's own name, and those apps share one encoding; the rare
    /// app that subscribed under another name (SDK 1.0.x's bare `transcription`, say) gets its own.
    private func fanOut(_ state: inout State, stream: String, data: ByteBuffer, now: Timestamp) {
        var renamed = false
        self.fanOut(&state, stream: stream, streamType: stream, data: data, now: now) { app in
            guard app.subscriptions.renamesStreams, app.subscriptions.streamType(for: stream) != stream else { return true }
            renamed = true
            return false
        }
        guard renamed else { return }
        for app in state.apps where app.receives(stream) && app.subscriptions.renamesStreams {
            let streamType = app.subscriptions.streamType(for: stream)
            guard streamType != stream else { continue }
            self.fanOut(&state, stream: stream, streamType: streamType, data: data, now: now) { $0 === app }
        }
    }

    /// Queues a `data_stream` with this `streamType` for every running app subscribed to `stream`
    /// that `selects`.
    ///
    /// All the messages are written into one buffer with the shared tail encoded once (see
    /// ``DataStreamFanOut``), in three passes over the few apps: find the recipients, write their
    /// messages, then hand each its slice.
    private func fanOut(
        _ state: inout State,
        stream: String,
        streamType: String,
        data: ByteBuffer,
        now: Timestamp,
        selects: (AppSession) -> Bool
    ) {
        func receives(_ app: AppSession) -> Bool {
            app.receives(stream) && selects(app)
        }
        // Bit i marks apps[i] as a recipient, so matching runs once per app; apps past the 64th
        // (never seen in practice) are matched again in the later passes.
        var recipientBits: UInt64 = 0
        var recipients = 0
        var prefixBytes = 0
        for index in state.apps.indices where receives(state.apps[index]) {
            if index < 64 { recipientBits |= 1 << UInt64(index) }
            recipients += 1
            prefixBytes += state.apps[index].dataStreamPrefix.readableBytes
        }
        guard recipients > 0 else { return }
        func isRecipient(_ index: Int) -> Bool {
            index < 64 ? recipientBits & (1 << UInt64(index)) != 0 : receives(state.apps[index])
        }

        var fanOut = DataStreamFanOut(streamType: streamType, data: data, timestamp: now, recipients: recipients, prefixBytes: prefixBytes)
        for index in state.apps.indices where isRecipient(index) {
            fanOut.append(prefix: state.apps[index].dataStreamPrefix)
        }
        var offset = 0
        for index in state.apps.indices where isRecipient(index) {
            // `receives` checked that the app is running.
            guard let connection = state.apps[index].connection else { continue }
            let prefixLength = state.apps[index].dataStreamPrefix.readableBytes
            state.outbox.append(.text(connection, fanOut.message(at: offset, prefixLength: prefixLength)))
            offset += prefixLength + fanOut.tailLength
        }
    }
}
