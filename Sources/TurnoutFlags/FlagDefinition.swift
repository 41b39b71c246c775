/// One flag from flags.yaml, with every default applied.
public struct FlagDefinition: Sendable, Hashable {
    /// What happens to open connections whose stack a flag edit changed.
    public enum ChangePolicy: String, Sendable, Hashable, CaseIterable {
        /// They stay where they are; only new connections follow the flag.
        case keep
        /// They are closed with 1012 `Service restart`, spread over `migrateWindow`, and reconnect.
        case migrate
    }

    /// The flag's name, the key under `flags:`.
    public var name: String
    /// Free text for operators. Default: empty.
    public var description: String
    /// `false` sends every connection to compat: the kill switch. Default: `true`.
    public var enabled: Bool
    /// The share of users on native. Required.
    public var percentage: Percentage
    /// Mixed into the hash; changing it reshuffles who is in. Default: the flag's name.
    public var salt: String
    /// The endpoints the flag applies to; others take compat. Default: both.
    public var endpoints: Set<Endpoint>
    /// Users always on native.
    public var nativeUsers: [String]
    /// Users always on compat.
    public var compatUsers: [String]
    /// The stack for connections that carry no user. Default: compat.
    public var unidentified: Stack
    /// What an edit does to open connections. Default: keep.
    public var onChange: ChangePolicy
    /// The window `migrate` spreads its closes over. Default: 30 s.
    public var migrateWindow: Duration
    /// The ramp guard watching this flag, or `nil` when it has no `guard:` block.
    public var guardPolicy: GuardPolicy?

    /// Creates a flag; every parameter but the name and percentage has the flags.yaml default.
    public init(
        name: String,
        description: String = "",
        enabled: Bool = true,
        percentage: Percentage,
        salt: String? = nil,
        endpoints: Set<Endpoint> = Set(Endpoint.allCases),
        nativeUsers: [String] = [],
        compatUsers: [String] = [],
        unidentified: Stack = .compat,
        onChange: ChangePolicy = .keep,
        migrateWindow: Duration = .seconds(30),
        guardPolicy: GuardPolicy? = nil
    ) {
        self.name = name
        self.description = description
        self.enabled = enabled
        self.percentage = percentage
        self.salt = salt ?? name
        self.endpoints = endpoints
        self.nativeUsers = nativeUsers
        self.compatUsers = compatUsers
        self.unidentified = unidentified
        self.onChange = onChange
        self.migrateWindow = migrateWindow
        self.guardPolicy = guardPolicy
    }
}
