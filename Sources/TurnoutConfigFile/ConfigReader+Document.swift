extension ConfigReader {
    /// Parses a configuration file and decodes it with `decode`, reporting every problem at once.
    ///
    /// - Parameters:
    ///   - bytes: The file's contents.
    ///   - file: The path to name in errors.
    ///   - kind: What the file holds, for the one error that has no better place (`flags`, `apps`).
    ///   - decode: Reads the root node; returns `nil` only after reporting why.
    /// - Throws: ``ConfigFileErrors`` listing every problem, each as `FILE:LINE:COL: message`.
    package static func decodeDocument<Value>(
        _ bytes: [UInt8],
        file: String,
        kind: String,
        _ decode: (ConfigNode, inout ConfigReader) -> Value?
    ) throws(ConfigFileErrors) -> Value {
        let root = try ConfigDocument.parse(bytes, file: file)
        var reader = ConfigReader(file: file)
        let decoded = decode(root, &reader)
        try reader.throwIfFailed()
        guard let decoded else {
            throw ConfigFileErrors([ConfigFileError(.syntax, file: file, line: 1, column: 1, message: "the file could not be read as \(kind)")])
        }
        return decoded
    }

    /// Reads the top-level `version`, which is required and must be 1.
    ///
    /// - Returns: Whether the file is version 1.
    package mutating func readVersion1(in top: ConfigMapping, root: ConfigNode) -> Bool {
        guard let node = top["version"] else {
            reportMissing("version", at: root, what: "the file")
            return false
        }
        guard let version = integer(node, key: "version") else { return false }
        guard version == 1 else {
            report(.invalidValue, "unsupported version \(version); this Turnout reads version 1", at: node)
            return false
        }
        return true
    }
}
