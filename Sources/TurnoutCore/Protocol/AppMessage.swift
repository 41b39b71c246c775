import NIOCore

/// A text message from an app, classified and validated.
enum AppMessage: Sendable {
    /// `tpa_connection_init {sessionId, packageName, apiKey}` (legacy mode).
    case connectionInit(sessionId: String, packageName: String, apiKey: String)
    /// `subscription_update {packageName, subscriptions}`: replaces the app's set.
    case subscriptionUpdate(packageName: String?, subscriptions: [Subscription])
    /// `display_event`: forwarded to the glasses.
    case displayEvent(DisplayRequest)
    /// Any other type: logged and ignored.
    case other(type: String)

    /// Parses and validates an app text message.
    ///
    /// - Throws: ``AppConnectionError/malformedMessage(_:)`` for invalid JSON, a non-object, a
    ///   missing `type`, or wrong fields in the messages the core interprets.
    init(parsing text: ByteBuffer) throws(AppConnectionError) {
        let object: RawJSONObject
        do {
            object = try RawJSONObject.parse(text)
        } catch .notAnObject {
            throw .malformedMessage("Message must be a JSON object")
        } catch {
            throw .malformedMessage("Invalid JSON")
        }
        guard let type = object.string("type") else { throw .malformedMessage("Missing message type") }
        switch type {
        case "tpa_connection_init":
            guard let sessionId = object.string("sessionId") else { throw .malformedMessage("Missing sessionId") }
            guard let packageName = object.string("packageName") else { throw .malformedMessage("Missing packageName") }
            guard let apiKey = object.string("apiKey") else { throw .malformedMessage("Missing apiKey") }
            self = .connectionInit(sessionId: sessionId, packageName: packageName, apiKey: apiKey)
        case "subscription_update":
            var packageName: String?
            if let member = object.member("packageName") {
                guard member.kind == .string else { throw .malformedMessage("Invalid packageName") }
                packageName = object.decodeString(member.range)
            }
            guard let member = object.member("subscriptions"), member.kind == .array else {
                throw .malformedMessage("subscriptions must be an array")
            }
            var subscriptions: [Subscription] = []
            for element in object.arrayElements(member) {
                switch element.kind {
                case .string:
                    subscriptions.append(Subscription(object.decodeString(element.range)))
                case .object:
                    guard let stream = object.object(at: element.range).string("stream") else {
                        throw .malformedMessage("Invalid subscription")
                    }
                    subscriptions.append(Subscription(stream))
                default:
                    throw .malformedMessage("Invalid subscription")
                }
            }
            self = .subscriptionUpdate(packageName: packageName, subscriptions: subscriptions)
        case "display_event":
            self = .displayEvent(try DisplayRequest(object))
        default:
            self = .other(type: type)
        }
    }
}
