import Testing
import TurnoutConfigFile

@Suite("ConfigSourceText")
struct ConfigSourceTextTests {
    @Test("line and column map to bytes: multi-byte scalars, CRLF and lone CR count as the parser counts them")
    func offsets() {
        let source = ConfigSourceText(Array("a: é1\r\nb: 2\rc: 3\n".utf8))
        #expect(source.offset(line: 1, column: 5) == 5)
        #expect(source.offset(line: 2, column: 4) == 11)
        #expect(source.offset(line: 3, column: 4) == 16)
        #expect(source.offset(line: 9, column: 1) == nil)
        #expect(source.lineEnding == Array("\r\n".utf8))
    }
}
