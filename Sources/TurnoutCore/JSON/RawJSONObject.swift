import NIOCore

/// A validated JSON object whose top-level members are located but not decoded.
///
/// The core parses every inbound text message with this type. It validates the whole
/// document (RFC 8259 grammar, nesting at most ``RawJSONObject/maximumDepth`` deep), then
/// records each top-level member's key and the byte range of its value, so that:
/// - a relayed message can splice the original bytes into a `data_stream` envelope
///   (exact round-trip, no re-serialisation, no key reordering);
/// - numbers are never converted, so a huge number cannot overflow anything;
/// - only the fields a handler asks for are decoded.
///
/// Values are immutable; the type is `Sendable` because `ByteBuffer` is.
struct RawJSONObject: Sendable {
    /// How deep arrays and objects may nest before a document counts as invalid.
    static let maximumDepth = 256

    /// One top-level member: its decoded key, the kind of its value and the value's bytes.
    struct Member: Sendable {
        /// The member's key, with escapes decoded.
        var key: String
        /// The JSON kind of the value.
        var kind: JSONKind
        /// Offsets of the value's first byte and one past its last byte, relative to the reader index of ``RawJSONObject/bytes``.
        var range: Range<Int>
    }

    /// The whole document the object was parsed from.
    let bytes: ByteBuffer
    /// Offsets of the object's opening `{` and one past its closing `}`, relative to the reader index of ``bytes``.
    let range: Range<Int>
    /// The top-level members in document order; duplicates are kept, lookups take the last.
    let members: [Member]

    /// Parses and validates a whole document that must be one JSON object.
    ///
    /// - Parameter bytes: The UTF-8 text of the document; surrounding whitespace is allowed.
    /// - Returns: The object, with its top-level members located.
    /// - Throws: ``JSONScanError`` when the document is not valid JSON, or is valid JSON but not an object.
    static func parse(_ bytes: ByteBuffer) throws(JSONScanError) -> RawJSONObject {
        let (range, scan) = try Self.scanDocument(bytes, recording: .everything)
        return RawJSONObject(bytes: bytes, range: range, members: scan.members)
    }

    /// Validates a whole document exactly as ``parse(_:)`` does, but locates only the `type` member.
    ///
    /// The fast path for messages that are relayed as they are: no member list is built and no
    /// other key is decoded, so a valid document costs no allocation.
    ///
    /// - Parameter bytes: The UTF-8 text of the document; surrounding whitespace is allowed.
    /// - Returns: The object's range and its last top-level `type` member, if any.
    /// - Throws: The same ``JSONScanError`` as ``parse(_:)`` for the same document.
    static func parseLocatingType(_ bytes: ByteBuffer) throws(JSONScanError) -> TypeLocatedJSONObject {
        let (range, scan) = try Self.scanDocument(bytes, recording: .typeOnly)
        return TypeLocatedJSONObject(bytes: bytes, range: range, type: scan.type)
    }

    /// Validates a document that must be one object and scans its members as asked.
    private static func scanDocument(
        _ bytes: ByteBuffer,
        recording: JSONMemberRecording
    ) throws(JSONScanError) -> (Range<Int>, JSONObjectScan) {
        let result: Result<(Range<Int>, JSONObjectScan), JSONScanError> = bytes.withUnsafeReadableBytes { pointer in
            var scanner = JSONScanner(bytes: pointer)
            do throws(JSONScanError) {
                scanner.skipWhitespace()
                guard scanner.peek() == UInt8(ascii: "{") else {
                    // Tell "valid but not an object" apart from "not JSON at all".
                    _ = try scanner.scanValue(depth: 0)
                    scanner.skipWhitespace()
                    guard scanner.isAtEnd else { throw JSONScanError.invalid("unexpected data after the JSON value") }
                    throw JSONScanError.notAnObject
                }
                let start = scanner.index
                let scan = try scanner.scanObject(depth: 0, recording: recording)
                let end = scanner.index
                scanner.skipWhitespace()
                guard scanner.isAtEnd else { throw JSONScanError.invalid("unexpected data after the JSON object") }
                return .success((start..<end, scan))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses a nested object of an already validated document.
    private static func nested(in bytes: ByteBuffer, range: Range<Int>) -> RawJSONObject {
        let members = bytes.withUnsafeReadableBytes { pointer in
            var scanner = JSONScanner(bytes: pointer)
            scanner.index = range.lowerBound
            // The document was validated as a whole, so this cannot fail.
            return (try? scanner.scanObject(depth: 0, recording: .everything).members) ?? []
        }
        return RawJSONObject(bytes: bytes, range: range, members: members)
    }

    /// The last member with this key, or `nil`.
    func member(_ key: String) -> Member? {
        members.last { $0.key == key }
    }

    /// The decoded value of a string member; `nil` when the member is absent or not a string.
    func string(_ key: String) -> String? {
        guard let member = self.member(key), member.kind == .string else { return nil }
        return self.decodeString(member.range)
    }

    /// The bytes of a member's value, exactly as they appear in the document.
    func rawValue(_ member: Member) -> ByteBuffer {
        self.slice(member.range)
    }

    /// The bytes of the whole object, exactly as they appear in the document, without surrounding whitespace.
    var rawObject: ByteBuffer {
        self.slice(self.range)
    }

    /// A nested object member, with its own members located.
    ///
    /// - Precondition: `member.kind == .object`.
    func object(_ member: Member) -> RawJSONObject {
        precondition(member.kind == .object)
        return RawJSONObject.nested(in: self.bytes, range: member.range)
    }

    /// The elements of an array member, as kind and value range.
    ///
    /// - Precondition: `member.kind == .array`.
    func arrayElements(_ member: Member) -> [(kind: JSONKind, range: Range<Int>)] {
        precondition(member.kind == .array)
        return self.bytes.withUnsafeReadableBytes { pointer in
            var scanner = JSONScanner(bytes: pointer)
            scanner.index = member.range.lowerBound
            return (try? scanner.scanArrayElements()) ?? []
        }
    }

    /// A nested object at a range returned by ``arrayElements(_:)``.
    func object(at range: Range<Int>) -> RawJSONObject {
        RawJSONObject.nested(in: self.bytes, range: range)
    }

    /// Decodes the JSON string whose quotes span `range`.
    func decodeString(_ range: Range<Int>) -> String {
        self.bytes.withUnsafeReadableBytes { pointer in
            JSONScanner.decodeString(UnsafeRawBufferPointer(rebasing: pointer[range]))
        }
    }

    /// The literal `true` or `false` of a member; `nil` when absent or not a boolean.
    func bool(_ key: String) -> Bool? {
        guard let member = self.member(key), member.kind == .bool else { return nil }
        return self.bytes.getInteger(at: self.bytes.readerIndex + member.range.lowerBound, as: UInt8.self) == UInt8(ascii: "t")
    }

    private func slice(_ range: Range<Int>) -> ByteBuffer {
        // The range lies inside the readable bytes by construction.
        self.bytes.getSlice(at: self.bytes.readerIndex + range.lowerBound, length: range.count)!
    }
}
