import Foundation
import TurnoutFuzzTargets

/// Replays inputs through a target without libFuzzer: the seed corpora, a crash artifact, a
/// corpus a fuzz run grew.
struct CorpusReplayer {
    let target: FuzzTarget

    /// Replays every file named, or found (not recursively) in a directory named; returns the exit status.
    func replay(_ paths: [String]) -> Int32 {
        var failures = 0
        var count = 0
        for path in paths {
            for file in Self.files(at: path) {
                count += 1
                guard let data = FileManager.default.contents(atPath: file) else {
                    print("\(file): cannot be read")
                    failures += 1
                    continue
                }
                do {
                    try target.run(Array(data))
                } catch {
                    print("\(file): \(target.rawValue): \(error)")
                    failures += 1
                }
            }
        }
        print("\(target.rawValue): replayed \(count) inputs, \(failures) failed")
        return failures == 0 ? 0 : 1
    }

    /// The files of a directory, sorted, or the path itself.
    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { "\(path)/\($0)" }
    }
}
