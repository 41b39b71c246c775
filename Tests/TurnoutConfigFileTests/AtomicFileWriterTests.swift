import Foundation
import Testing
import TurnoutConfigFile

@Suite("AtomicFileWriter")
struct AtomicFileWriterTests {
    @Test("an atomic write replaces the file, keeps its mode and follows a symlink")
    func atomicWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("turnout-atomic-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("flags.yaml").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: file))
        #expect(chmod(file, 0o640) == 0)
        let link = directory.appendingPathComponent("link.yaml").path
        #expect(symlink(file, link) == 0)

        try AtomicFileWriter.write(Array("new".utf8), to: link)

        #expect(FileManager.default.contents(atPath: file) == Data("new".utf8))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == file)
        var info = stat()
        #expect(stat(file, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o640)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["flags.yaml", "link.yaml"])
    }
}
