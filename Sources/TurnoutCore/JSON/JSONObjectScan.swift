/// What a scan records about an object's own members.
enum JSONMemberRecording {
    /// Validate only (nested objects).
    case nothing
    /// Every member, with decoded keys.
    case everything
    /// Only the last `type` member.
    case typeOnly
}

/// What a scan recorded about an object's own members.
struct JSONObjectScan {
    /// Every member in document order (``JSONMemberRecording/everything``).
    var members: [RawJSONObject.Member] = []
    /// The last `type` member (``JSONMemberRecording/typeOnly``).
    var type: (kind: JSONKind, range: Range<Int>)?
}
