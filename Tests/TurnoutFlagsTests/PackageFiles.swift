import Foundation

/// Locates files of this package, whatever the working directory.
///
/// Tests read only what the repository holds, since a clone alone has nothing beside it. The
/// copies taken from the design's shared folder (the bucketing vectors) are checked against the
/// originals by `scripts/check-shared-copies.sh`, by hand.
enum PackageFiles {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
}
