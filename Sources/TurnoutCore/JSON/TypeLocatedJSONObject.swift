import NIOCore

/// A validated JSON object of which only the last top-level `type` member was located.
///
/// Made by ``RawJSONObject/parseLocatingType(_:)``; values are immutable.
struct TypeLocatedJSONObject: Sendable {
    /// The whole document.
    let bytes: ByteBuffer
    /// Offsets of the object's `{` and one past its `}`, relative to the reader index of ``bytes``.
    let range: Range<Int>
    /// The kind and value range of the last top-level `type` member, or `nil` without one.
    let type: (kind: JSONKind, range: Range<Int>)?

    /// The decoded `type` when it is a string; `nil` when absent or of another kind.
    var typeString: String? {
        guard let type = self.type, type.kind == .string else { return nil }
        return self.bytes.withUnsafeReadableBytes { pointer in
            JSONScanner.decodeString(UnsafeRawBufferPointer(rebasing: pointer[type.range]))
        }
    }

    /// The bytes of the whole object, exactly as they appear in the document, without surrounding whitespace.
    var rawObject: ByteBuffer {
        // The range lies inside the readable bytes by construction.
        self.bytes.getSlice(at: self.bytes.readerIndex + self.range.lowerBound, length: self.range.count)!
    }
}
