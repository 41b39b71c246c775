import NIOCore

@testable import TurnoutCore

/// The `json` target: the scanner behind every inbound text message, ``RawJSONObject/parse(_:)``
/// and its fast path ``RawJSONObject/parseLocatingType(_:)``, fed arbitrary bytes.
///
/// Asserts:
/// - both entry points accept and reject the same documents with the same error, and agree on the
///   object's range and its `type` member (kind, range and decoded string);
/// - the result does not depend on where the document starts in its buffer (ranges are relative
///   to the reader index);
/// - every member's range lies inside the object, and its raw bytes re-parse as a value of the
///   same kind (what the relay splices into `data_stream` envelopes is valid JSON);
/// - nested objects and arrays can be walked, and every string member decodes.
enum JSONFuzzer {
    /// How deep the walk goes into nested objects.
    static let walkDepth = 4

    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let buffer = ByteBuffer(bytes: bytes)
        let full = Result { () throws(JSONScanError) in try RawJSONObject.parse(buffer) }
        let typed = Result { () throws(JSONScanError) in try RawJSONObject.parseLocatingType(buffer) }

        // The same document after 3 bytes that were already read.
        var offsetBuffer = ByteBuffer(bytes: [0x7B, 0x22, 0x5C] + bytes)
        offsetBuffer.moveReaderIndex(forwardBy: 3)
        let offset = Result { () throws(JSONScanError) in try RawJSONObject.parse(offsetBuffer) }

        switch (full, typed) {
        case (.failure(let fullError), .failure(let typedError)):
            try check(fullError == typedError, "parse failed with \(fullError), parseLocatingType with \(typedError)")
            guard case .failure(let offsetError) = offset, offsetError == fullError else {
                throw FuzzFailure("at a reader index of 3 the same document gave \(offset), not \(fullError)")
            }
        case (.success(let object), .success(let located)):
            try check(object.range == located.range, "parse found the object at \(object.range), parseLocatingType at \(located.range)")
            let type = object.member("type")
            try check(
                type?.kind == located.type?.kind && type?.range == located.type?.range,
                "parse found type \(String(describing: type)), parseLocatingType \(String(describing: located.type))"
            )
            try check(object.string("type") == located.typeString, "the two decoded type strings differ")
            try check(Array(buffer: object.rawObject) == Array(bytes[object.range]), "rawObject is not the object's bytes")
            guard case .success(let shifted) = offset else {
                throw FuzzFailure("at a reader index of 3 the same document failed: \(offset)")
            }
            try check(
                shifted.range == object.range && shifted.members.map(\.range) == object.members.map(\.range),
                "at a reader index of 3 the ranges moved"
            )
            try self.walk(object, depth: 0)
        default:
            throw FuzzFailure("parse gave \(full), parseLocatingType \(typed)")
        }
        _ = JSONObjectMembers(parsing: buffer)?.names
    }

    /// Checks every member of `object`, and walks into nested objects and arrays.
    static func walk(_ object: RawJSONObject, depth: Int) throws(FuzzFailure) {
        for member in object.members {
            try check(
                member.range.lowerBound > object.range.lowerBound && member.range.upperBound < object.range.upperBound,
                "member '\(member.key)' at \(member.range) lies outside its object at \(object.range)"
            )
            try self.checkSpliced(object.rawValue(member), kind: member.kind)
            switch member.kind {
            case .string:
                _ = object.decodeString(member.range)
            case .object where depth < self.walkDepth:
                try self.walk(object.object(member), depth: depth + 1)
            case .array where depth < self.walkDepth:
                for element in object.arrayElements(member) {
                    try check(
                        element.range.lowerBound > member.range.lowerBound && element.range.upperBound < member.range.upperBound,
                        "an element of '\(member.key)' lies outside its array"
                    )
                    if element.kind == .object {
                        try self.walk(object.object(at: element.range), depth: depth + 1)
                    }
                }
            default:
                break
            }
        }
    }

    /// A value's raw bytes, spliced into a new object as the relay does, parse as the same kind.
    static func checkSpliced(_ raw: ByteBuffer, kind: JSONKind) throws(FuzzFailure) {
        var envelope = ByteBuffer(string: #"{"data":"#)
        var raw = raw
        envelope.writeBuffer(&raw)
        envelope.writeStaticString("}")
        guard let spliced = try? RawJSONObject.parse(envelope), let member = spliced.member("data") else {
            throw FuzzFailure("a member's raw value does not parse once spliced: \(String(buffer: envelope))")
        }
        try check(member.kind == kind, "a \(kind) member re-parses as \(member.kind)")
    }
}
