import Foundation

/// Locates files in `../shared`, next to the package, whatever the working directory.
///
/// A clone of the repository alone has no `../shared`: tests read their own copies from the test
/// target's resources, and compare them with `../shared` only where it exists.
enum SharedFiles {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func url(_ name: String) -> URL {
        packageRoot.deletingLastPathComponent().appendingPathComponent("shared").appendingPathComponent(name)
    }

    /// Whether `../shared/<name>` exists beside this checkout.
    static func exists(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: url(name).path)
    }
}
