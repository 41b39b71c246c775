package import NIOCore

/// The top-level members of one JSON object document, validated as the core validates messages,
/// for checks outside the core (a token's header and claims).
package struct JSONObjectMembers: Sendable {
    private let object: RawJSONObject

    /// Parses and validates `bytes`; `nil` unless the document is one valid JSON object.
    package init?(parsing bytes: ByteBuffer) {
        guard let object = try? RawJSONObject.parse(bytes) else { return nil }
        self.object = object
    }

    /// The member names in document order, repeated names included.
    package var names: [String] { object.members.map(\.key) }

    /// The decoded value of the last member named `key` if it is a string; `nil` otherwise.
    package func string(_ key: String) -> String? {
        object.string(key)
    }
}
