import NIOCore

/// A text message from the glasses, classified.
enum GlassesMessage: Sendable {
    /// `connection_init`: answered with `connection_ack`.
    case connectionInit
    /// `start_app {packageName}`.
    case startApp(packageName: String)
    /// `stop_app {packageName}`.
    case stopApp(packageName: String)
    /// `local_transcription`: relayed on `transcription:<language>` with the transcription `data`.
    case transcription(language: String, data: ByteBuffer)
    /// Every other type: relayed on the stream named by the type, with the original message as `data`.
    case relay(stream: String, data: ByteBuffer)

    /// Why a glasses message was dropped (there is no error message towards the glasses).
    struct Rejection: Error {
        var reason: String
    }

    /// Parses and classifies a glasses text message.
    ///
    /// - Throws: ``Rejection`` for invalid JSON, a non-object, a missing or non-string `type`, or
    ///   wrong field types in the messages the core interprets.
    init(parsing text: ByteBuffer) throws(Rejection) {
        // Most glasses messages are relayed as they are and need nothing but `type`, so the
        // document is validated while locating only that member; the few types the core
        // interprets are parsed again in full below.
        let located: TypeLocatedJSONObject
        do {
            located = try RawJSONObject.parseLocatingType(text)
        } catch .notAnObject {
            throw Rejection(reason: "message is not a JSON object")
        } catch {
            throw Rejection(reason: "invalid JSON")
        }
        guard let type = located.typeString else { throw Rejection(reason: "missing or non-string type") }
        switch type {
        case "connection_init":
            self = .connectionInit
        case "start_app", "stop_app", "local_transcription":
            // Valid already, so this cannot fail.
            guard let object = try? RawJSONObject.parse(text) else { throw Rejection(reason: "invalid JSON") }
            self = try Self.interpreted(type: type, object: object)
        default:
            self = .relay(stream: type, data: located.rawObject)
        }
    }

    /// Reads the fields of a message type the core interprets.
    private static func interpreted(type: String, object: RawJSONObject) throws(Rejection) -> GlassesMessage {
        switch type {
        case "start_app", "stop_app":
            guard let packageName = object.string("packageName") else {
                throw Rejection(reason: "\(type) without a string packageName")
            }
            return type == "start_app" ? .startApp(packageName: packageName) : .stopApp(packageName: packageName)
        default:
            guard object.member("text")?.kind == .string else {
                throw Rejection(reason: "local_transcription without a string text")
            }
            let language: String
            if let member = object.member("transcribeLanguage") {
                guard member.kind == .string else { throw Rejection(reason: "local_transcription with a non-string transcribeLanguage") }
                language = object.decodeString(member.range)
            } else {
                language = Subscription.defaultTranscriptionLanguage
            }
            return .transcription(language: language, data: OutboundMessage.transcriptionData(from: object))
        }
    }
}
