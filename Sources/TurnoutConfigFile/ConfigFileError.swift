/// One problem found in a configuration file, located to the line and column a person should look at.
///
/// Its ``description`` is exactly `FILE:LINE:COLUMN: message`, the form editors and CI logs
/// turn into links, and the form `/admin/flags` reports.
public struct ConfigFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is, for callers and tests that match on it.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String {
            case unreadable
            case encoding
            case syntax
            case duplicateKey
            case unknownKey
            case missingKey
            case wrongType
            case invalidValue
        }

        private let base: Base

        /// The file could not be read (permissions, a directory, an I/O error).
        public static var unreadable: Self { .init(base: .unreadable) }
        /// The file is not valid UTF-8.
        public static var encoding: Self { .init(base: .encoding) }
        /// The YAML itself does not parse: tabs in indentation, an unclosed quote, an empty file.
        public static var syntax: Self { .init(base: .syntax) }
        /// A mapping repeats a key.
        public static var duplicateKey: Self { .init(base: .duplicateKey) }
        /// A key the schema does not know, usually a typo.
        public static var unknownKey: Self { .init(base: .unknownKey) }
        /// A required key is absent.
        public static var missingKey: Self { .init(base: .missingKey) }
        /// A value has the wrong YAML type (a list where a number belongs).
        public static var wrongType: Self { .init(base: .wrongType) }
        /// A value has the right type but is not allowed (out of range, unknown name, conflict).
        public static var invalidValue: Self { .init(base: .invalidValue) }

        public var description: String { base.rawValue }
    }

    /// What kind of problem this is.
    public var code: Code
    /// The file's path as the operator named it.
    public var file: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column, counted in Unicode scalars as libyaml does.
    public var column: Int
    /// A sentence for a person, without the location.
    public var message: String

    /// Creates an error at a location.
    public init(_ code: Code, file: String, line: Int, column: Int, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(message)" }
}

/// Every problem found in one configuration file, in file order.
///
/// Validation reports all problems at once, so an operator fixes a file in one pass
/// instead of one error per attempt.
public struct ConfigFileErrors: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, sorted by line and column.
    public var errors: [ConfigFileError]

    /// Wraps a non-empty list of problems, sorting it into file order.
    public init(_ errors: [ConfigFileError]) {
        precondition(!errors.isEmpty, "ConfigFileErrors needs at least one error")
        self.errors = errors.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
    }

    /// One error per line, each `FILE:LINE:COLUMN: message`.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
