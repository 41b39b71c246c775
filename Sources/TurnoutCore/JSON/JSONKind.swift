/// The kind of a JSON value.
enum JSONKind: Sendable, Hashable {
    case object
    case array
    case string
    case number
    case bool
    case null
}
