/// The contents of flags.yaml: a schema version and the flags by name.
public struct FlagFile: Sendable, Hashable {
    /// The flag that chooses the transport stack.
    public static let nativeTransport = "native-transport"

    /// The schema version; only 1 exists.
    public var version: Int
    /// The flags in file order.
    public var flags: [FlagDefinition]

    /// Creates a flag file.
    public init(version: Int = 1, flags: [FlagDefinition]) {
        self.version = version
        self.flags = flags
    }

    /// What Turnout runs with when no flags.yaml exists: no flags, so everyone is on compat.
    public static let builtInDefault = FlagFile(flags: [])

    /// The flag named `name`, if the file has it.
    public func flag(named name: String) -> FlagDefinition? {
        flags.first { $0.name == name }
    }
}
