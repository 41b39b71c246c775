import Foundation
import NIOCore
import TurnoutCore

/// The structural checks every token passes before jwt-kit sees it: RFC 7515's compact form,
/// strictly, and the algorithm named in the header.
///
/// jwt-kit is lenient where a hostile client can probe: it decodes padded base64, and its JSON
/// decoder lets a repeated claim silently win. A token is refused here when:
/// - it is longer than ``maximumBytes`` (real tokens are a few hundred bytes);
/// - it is not three dot-separated parts of unpadded base64url (RFC 7515 §2: no `=`, no
///   characters outside `A–Z a–z 0–9 - _`, no part of a length no base64 can have);
/// - the header or the payload is not one JSON object, or repeats a member name
///   (RFC 7515 §4 and RFC 7519 §4: a JWT with duplicate names must be rejected or take the
///   last; Turnout rejects, so two parsers can never disagree about `email`);
/// - the header's `alg` is not `HS256` (`none`, `RS256`, `ES256`… are refused whatever the key).
enum TokenShape {
    /// The longest token accepted, in bytes.
    static let maximumBytes = 4_096

    /// Checks `token`'s shape.
    ///
    /// - Throws: ``TokenError`` saying what is wrong, never quoting the token.
    static func check(_ token: String) throws(TokenError) {
        let utf8 = Array(token.utf8)
        guard utf8.count <= maximumBytes else {
            throw TokenError(reason: "the token is longer than \(maximumBytes) bytes")
        }
        let parts = utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy(isUnpaddedBase64URL) else {
            throw TokenError(reason: "malformed token")
        }
        let header = try object(parts[0])
        guard header.string("alg") == "HS256" else {
            throw TokenError(reason: "unsupported algorithm; tokens are signed with HS256")
        }
        _ = try object(parts[1])
    }

    /// Whether `part` is non-empty unpadded base64url.
    private static func isUnpaddedBase64URL(_ part: ArraySlice<UInt8>) -> Bool {
        guard !part.isEmpty, part.count % 4 != 1 else { return false }
        return part.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            case UInt8(ascii: "-"), UInt8(ascii: "_"):
                true
            default:
                false
            }
        }
    }

    /// The part decoded as one JSON object whose member names are unique.
    private static func object(_ part: ArraySlice<UInt8>) throws(TokenError) -> JSONObjectMembers {
        var base64 = String(decoding: part, as: UTF8.self)
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { throw TokenError(reason: "malformed token") }
        guard let object = JSONObjectMembers(parsing: ByteBuffer(bytes: data)) else {
            throw TokenError(reason: "malformed token")
        }
        var names = Set<String>()
        for name in object.names where !names.insert(name).inserted {
            throw TokenError(reason: "the token repeats the member '\(name)'")
        }
        return object
    }
}
