import NIOCore
import Testing

@testable import TurnoutCore

@Suite("The JSON scanner, writer and timestamps")
struct JSONTests {
    @Test(
        "valid documents parse and keep their raw bytes",
        arguments: [
            #"{}"#, #"{"a":1}"#, #" {"a" : [1, 2.5e-3, -0, true, false, null, "x", {"b": {}}]} "#, #"{"k":"\u00e9\n\"\\\/"}"#,
            "{\"ü\":\"日本\"}",
        ]
    )
    func valid(text: String) throws {
        let object = try RawJSONObject.parse(ByteBuffer(string: text))
        #expect(String(buffer: object.rawObject) == text.trimmingWhitespace())
    }

    @Test(
        "invalid documents are rejected",
        arguments: [
            "", " ", "{", "}", #"{"a"}"#, #"{"a":}"#, #"{"a":1,}"#, #"{a:1}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":+1}"#, #"{"a":.5}"#,
            #"{"a":1e}"#, #"{"a":"\q"}"#, "{\"a\":\"\t\"}", #"{"a":1}{}"#, #"{"a":[1 2]}"#, #"{"a":"unterminated}"#,
        ]
    )
    func invalid(text: String) {
        #expect(throws: JSONScanError.self) { try RawJSONObject.parse(ByteBuffer(string: text)) }
    }

    @Test("valid non-objects are reported as such", arguments: ["[]", "1", "\"s\"", "true", "null"])
    func notAnObject(text: String) {
        #expect(throws: JSONScanError.notAnObject) { try RawJSONObject.parse(ByteBuffer(string: text)) }
    }

    @Test(
        "locating only `type` agrees with the full parse: same errors, same type, same raw object",
        arguments: [
            #"{"type":"head_position","position":"up"}"#, #" {"a":{"type":"inner"},"type":"outer"} "#, #"{"type":"first","type":"last"}"#,
            #"{"type":"x","type":7}"#, #"{"t\u0079pe":"escaped"}"#, #"{"typ":"a","types":"b","type\n":"c"}"#, #"{"type":null}"#, #"{}"#,
            #"{"type":"\u00e9\n"}"#, "[]", "1", #"{"type":"x",}"#, #"{"type":"x"} {}"#, "",
        ]
    )
    func locatingType(text: String) {
        let buffer = ByteBuffer(string: text)
        let full = Result { () throws(JSONScanError) in try RawJSONObject.parse(buffer) }
        let located = Result { () throws(JSONScanError) in try RawJSONObject.parseLocatingType(buffer) }
        switch (full, located) {
        case (.success(let object), .success(let typeLocated)):
            #expect(typeLocated.typeString == object.string("type"))
            #expect(typeLocated.type?.kind == object.member("type")?.kind)
            #expect(typeLocated.rawObject == object.rawObject)
        case (.failure(let fullError), .failure(let locatedError)):
            #expect(fullError == locatedError)
        default:
            Issue.record("parse and parseLocatingType disagree on \(text)")
        }
    }

    @Test("nesting is limited and never overflows the stack")
    func deepNesting() throws {
        let ok = "{\"a\":" + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "}"
        _ = try RawJSONObject.parse(ByteBuffer(string: ok))
        let deep = "{\"a\":" + String(repeating: "[", count: 1_000_000) + String(repeating: "]", count: 1_000_000) + "}"
        #expect(throws: JSONScanError.self) { try RawJSONObject.parse(ByteBuffer(string: deep)) }
    }

    @Test("string decoding handles escapes, surrogate pairs and lone surrogates")
    func decoding() throws {
        let object = try RawJSONObject.parse(
            ByteBuffer(string: #"{"a":"x\"y\\z\/\b\f\n\r\t","b":"\u00e9\ud83d\ude00","c":"\ud800!","d":"plain","a":"last"}"#)
        )
        #expect(object.string("a") == "last")
        #expect(object.string("b") == "é😀")
        #expect(object.string("c") == "\u{FFFD}!")
        #expect(object.string("d") == "plain")
        let first = try #require(object.members.first)
        #expect(object.decodeString(first.range) == "x\"y\\z/\u{08}\u{0C}\n\r\t")
    }

    @Test("the writer escapes like JSON.stringify")
    func writer() {
        var buffer = ByteBuffer()
        buffer.writeJSONString("a\"b\\c\n\u{01}\u{1F}é/日本")
        #expect(String(buffer: buffer) == #""a\"b\\c\n\u0001\u001fé/日本""#)
    }

    @Test(
        "timestamps render as ISO-8601 with milliseconds",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"),
            (Int64(1_795_845_600_000), "2026-11-28T06:00:00.000Z"),
            (Int64(951_782_400_123), "2000-02-29T00:00:00.123Z"),
            (Int64(-1), "1969-12-31T23:59:59.999Z"),
            (Int64(253_402_300_799_999), "9999-12-31T23:59:59.999Z"),
        ]
    )
    func timestamps(milliseconds: Int64, expected: String) {
        #expect(Timestamp(millisecondsSince1970: milliseconds).iso8601 == expected)
    }

    @Test("calendar initialiser and advancing")
    func calendar() {
        let start = Timestamp(year: 2026, month: 11, day: 28, hour: 6)
        #expect(start.iso8601 == "2026-11-28T06:00:00.000Z")
        #expect(start.advanced(by: .milliseconds(86_400_000 + 1_234)).iso8601 == "2026-11-29T06:00:01.234Z")
    }

    @Test("percent-encoding keeps only unreserved characters")
    func percentEncoding() {
        #expect(CoreEnvironment.percentEncoded("a.b-c_d~e@f+g h/é") == "a.b-c_d~e%40f%2Bg%20h%2F%C3%A9")
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
