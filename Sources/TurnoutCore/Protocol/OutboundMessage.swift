import NIOCore

/// Encoders for every JSON message and webhook body the core writes.
///
/// Each writes its keys in the order protocol.md lists them and ends with `timestamp`, so that
/// both stacks produce byte-for-byte the same transcripts. Strings are escaped as JavaScript's
/// `JSON.stringify` escapes them; values taken from an inbound message are spliced unchanged.
enum OutboundMessage {
    /// `{"type":"connection_ack","sessionId":"<userId>","timestamp":...}`
    static func connectionAck(userId: String, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"connection_ack","sessionId":"#)
        buffer.writeJSONString(userId)
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// `{"type":"app_state_change","sessionId":"<userId>","timestamp":...}`
    static func appStateChange(userId: String, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"app_state_change","sessionId":"#)
        buffer.writeJSONString(userId)
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// `{"type":"microphone_state_change","sessionId":"<userId>","isMicrophoneEnabled":B,"requiredData":["pcm"]|[],"bypassVad":false,"timestamp":...}`
    static func microphoneStateChange(userId: String, enabled: Bool, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"microphone_state_change","sessionId":"#)
        buffer.writeJSONString(userId)
        if enabled {
            buffer.writeStaticString(#","isMicrophoneEnabled":true,"requiredData":["pcm"],"bypassVad":false"#)
        } else {
            buffer.writeStaticString(#","isMicrophoneEnabled":false,"requiredData":[],"bypassVad":false"#)
        }
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// `{"type":"tpa_connection_ack","sessionId":"<userId>-<packageName>","settings":[],"mentraosSettings":{},"augmentosSettings":{},"capabilities":null,"timestamp":...}`
    static func appConnectionAck(sessionId: String, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"tpa_connection_ack","sessionId":"#)
        buffer.writeJSONString(sessionId)
        buffer.writeStaticString(#","settings":[],"mentraosSettings":{},"augmentosSettings":{},"capabilities":null"#)
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// `{"type":"tpa_connection_error","code":C,"message":M,"timestamp":...}`
    static func appConnectionError(_ error: AppConnectionError, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"tpa_connection_error","code":"#)
        buffer.writeJSONString(error.code)
        buffer.writeStaticString(#","message":"#)
        buffer.writeJSONString(error.message)
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// `{"type":"app_stopped","reason":"<reason>","timestamp":...}`; both SDK generations' `AppStopped` type requires `reason`.
    static func appStopped(reason: AppStopReason, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"app_stopped","reason":"#)
        buffer.writeJSONString(reason.rawValue)
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// The per-app head of a `data_stream`: `{"type":"data_stream","sessionId":"<userId>-<packageName>","streamType":`.
    ///
    /// Computed once per app; ``DataStreamFanOut`` joins it to each message's shared tail.
    static func dataStreamPrefix(sessionId: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"data_stream","sessionId":"#)
        buffer.writeJSONString(sessionId)
        buffer.writeStaticString(#","streamType":"#)
        return buffer
    }

    /// The `data` of a transcription `data_stream`, from a `local_transcription`:
    /// `{"type":"transcription","text","isFinal","transcribeLanguage","startTime","endTime","speakerId","provider"}`.
    ///
    /// Each field is the message's own value, spliced unchanged, and is left out when the message has none.
    static func transcriptionData(from message: RawJSONObject) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"transcription""#)
        for key in ["text", "isFinal", "transcribeLanguage", "startTime", "endTime", "speakerId", "provider"] {
            guard let member = message.member(key) else { continue }
            buffer.writeInteger(UInt8(ascii: ","))
            buffer.writeJSONString(key)
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeImmutableBuffer(message.rawValue(member))
        }
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    /// `{"type":"display_event","packageName","view","layout","durationMs","forceDisplay","timestamp"}`: each field only if the app sent it.
    static func displayEvent(_ request: DisplayRequest, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"display_event""#)
        if let packageName = request.packageName {
            buffer.writeStaticString(#","packageName":"#)
            buffer.writeJSONString(packageName)
        }
        buffer.writeStaticString(#","view":"#)
        buffer.writeJSONString(request.view)
        buffer.writeStaticString(#","layout":"#)
        buffer.writeImmutableBuffer(request.layout)
        if let durationMs = request.durationMs {
            buffer.writeStaticString(#","durationMs":"#)
            buffer.writeImmutableBuffer(durationMs)
        }
        if let forceDisplay = request.forceDisplay {
            buffer.writeStaticString(#","forceDisplay":"#)
            buffer.writeStaticString(forceDisplay ? "true" : "false")
        }
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// Webhook body `{"type":"session_request","sessionId","userId","timestamp","augmentOSWebsocketUrl","mentraOSWebsocketUrl"}`.
    static func sessionRequest(sessionId: String, userId: String, webSocketURL: String, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"session_request","sessionId":"#)
        buffer.writeJSONString(sessionId)
        buffer.writeStaticString(#","userId":"#)
        buffer.writeJSONString(userId)
        buffer.writeStaticString(#","timestamp":"#)
        buffer.writeJSONTimestamp(timestamp)
        buffer.writeStaticString(#","augmentOSWebsocketUrl":"#)
        buffer.writeJSONString(webSocketURL)
        buffer.writeStaticString(#","mentraOSWebsocketUrl":"#)
        buffer.writeJSONString(webSocketURL)
        buffer.writeInteger(UInt8(ascii: "}"))
        return buffer
    }

    /// Webhook body `{"type":"stop_request","sessionId","userId","reason":"user_disabled","timestamp"}`.
    static func stopRequest(sessionId: String, userId: String, timestamp: Timestamp) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeStaticString(#"{"type":"stop_request","sessionId":"#)
        buffer.writeJSONString(sessionId)
        buffer.writeStaticString(#","userId":"#)
        buffer.writeJSONString(userId)
        buffer.writeStaticString(#","reason":"user_disabled""#)
        Self.finish(&buffer, timestamp)
        return buffer
    }

    /// Writes `,"timestamp":"…"}`.
    private static func finish(_ buffer: inout ByteBuffer, _ timestamp: Timestamp) {
        buffer.writeStaticString(#","timestamp":"#)
        buffer.writeJSONTimestamp(timestamp)
        buffer.writeInteger(UInt8(ascii: "}"))
    }
}
