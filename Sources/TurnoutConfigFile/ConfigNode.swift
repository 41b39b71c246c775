/// One node of a parsed configuration file, with the place it starts.
///
/// TurnoutConfigFile's own copy of the YAML tree: ``ConfigDocument`` builds it, ``ConfigReader``
/// reads it, and the modules that define schemas (flags.yaml, apps.yaml) match on it without
/// ever naming the YAML library, which stays an implementation detail of this module.
package struct ConfigNode: Sendable {
    /// What a node holds.
    package enum Content: Sendable {
        /// A scalar: its text as written, and whether it was written plain (not quoted, not a block).
        case scalar(text: String, isPlain: Bool)
        /// A mapping's keys and values, in file order.
        case mapping([(key: ConfigNode, value: ConfigNode)])
        /// A sequence's elements, in file order.
        case sequence([ConfigNode])
        /// An alias (`*name`); no Turnout schema accepts one.
        case alias
    }

    /// What the node holds.
    package var content: Content
    /// The 1-based line the node starts on, when the parser reported it.
    package var line: Int?
    /// The 1-based column the node starts at, counted in Unicode scalars, when the parser reported it.
    package var column: Int?

    /// Creates a node.
    package init(_ content: Content, line: Int? = nil, column: Int? = nil) {
        self.content = content
        self.line = line
        self.column = column
    }

    /// Whether the node is YAML's null: `key:` with nothing after it, `~` or `null`, written plain.
    package var isNull: Bool {
        guard case .scalar(let text, isPlain: true) = content else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(text)
    }
}
