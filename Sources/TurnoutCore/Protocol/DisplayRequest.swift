import NIOCore

/// A validated `display_event` from an app, ready to forward to the glasses.
struct DisplayRequest: Sendable {
    /// The layout types the glasses can render.
    static let validLayoutTypes: Set<String> = [
        "text_wall", "double_text_wall", "dashboard_card", "reference_card", "bitmap_view", "bitmap_animation", "clear_view",
    ]

    /// The `packageName` the app sent, if any.
    var packageName: String?
    /// `main` or `dashboard`.
    var view: String
    /// The `layout` object exactly as the app sent it.
    var layout: ByteBuffer
    /// The `durationMs` number exactly as the app sent it, if any.
    var durationMs: ByteBuffer?
    /// The `forceDisplay` flag, if the app sent it.
    var forceDisplay: Bool?

    /// Validates a `display_event`.
    ///
    /// - Throws: ``AppConnectionError/malformedMessage(_:)`` when `view` is not `main` or `dashboard`,
    ///   `layout` is not an object with a valid `layoutType`, `durationMs` is not a number,
    ///   `forceDisplay` is not a boolean or `packageName` is not a string.
    init(_ message: RawJSONObject) throws(AppConnectionError) {
        if let member = message.member("packageName") {
            guard member.kind == .string else { throw .malformedMessage("Invalid packageName") }
            self.packageName = message.decodeString(member.range)
        }
        guard let view = message.string("view"), view == "main" || view == "dashboard" else {
            throw .malformedMessage("Invalid display view")
        }
        self.view = view
        guard let layoutMember = message.member("layout"), layoutMember.kind == .object else {
            throw .malformedMessage("Missing layout")
        }
        guard let layoutType = message.object(layoutMember).string("layoutType"), Self.validLayoutTypes.contains(layoutType) else {
            throw .malformedMessage("Invalid layoutType")
        }
        self.layout = message.rawValue(layoutMember)
        if let member = message.member("durationMs") {
            guard member.kind == .number else { throw .malformedMessage("Invalid durationMs") }
            self.durationMs = message.rawValue(member)
        }
        if let member = message.member("forceDisplay") {
            guard member.kind == .bool else { throw .malformedMessage("Invalid forceDisplay") }
            self.forceDisplay = message.bool("forceDisplay")
        }
    }
}
