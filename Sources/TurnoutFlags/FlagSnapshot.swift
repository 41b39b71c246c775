public import Atomics
public import Foundation

/// An immutable, validated flag file, ready to answer decisions.
///
/// The store swaps whole snapshots, so a decision always sees one consistent file: never half an
/// edit. Everything a decision needs is precomputed here (the salted hash prefix, the pinned-user
/// sets), which keeps ``decide(userId:endpoint:flag:)`` free of allocation and locks.
public final class FlagSnapshot: Sendable {
    /// The validated file.
    public let file: FlagFile
    /// Where it came from: a path, or `built-in default`.
    public let source: String
    /// When it was loaded (wall clock, for operators).
    public let loadedAt: Date
    /// Counts snapshots installed by one store, starting at 1, so a reader can tell a newer one apart.
    public let generation: Int

    private let compiled: [String: CompiledFlag]

    /// Compiles `file` into a snapshot.
    public init(file: FlagFile, source: String, loadedAt: Date = Date(), generation: Int = 1) {
        self.file = file
        self.source = source
        self.loadedAt = loadedAt
        self.generation = generation
        var compiled: [String: CompiledFlag] = [:]
        for flag in file.flags {
            compiled[flag.name] = CompiledFlag(flag)
        }
        self.compiled = compiled
    }

    /// The snapshot used when flags.yaml does not exist: no flags, everyone on compat.
    public static func builtInDefault(generation: Int = 1) -> FlagSnapshot {
        FlagSnapshot(file: .builtInDefault, source: "built-in default", generation: generation)
    }

    /// Chooses the stack for one connection, applying the first rule that matches:
    /// disabled, endpoint, pinned-compat, pinned-native, unidentified, rollout.
    ///
    /// Pure and allocation-free for ASCII user ids; safe from any thread.
    /// - Parameters:
    ///   - userId: The authenticated user, or `nil` for a legacy app upgrade without one.
    ///   - endpoint: The endpoint the upgrade targets.
    ///   - flag: The flag to consult; `native-transport` unless a test or tool asks otherwise.
    public func decide(userId: String?, endpoint: Endpoint, flag: String = FlagFile.nativeTransport) -> Decision {
        guard let compiled = compiled[flag] else {
            let bucket = userId.map { Bucketing.bucket(salt: flag, userId: $0) }
            return Decision(flag: flag, endpoint: endpoint, stack: .compat, rule: .disabled, bucket: bucket, percentage: .zero)
        }
        let definition = compiled.definition
        let bucket = userId.map { compiled.hasher.bucket(userId: $0) }
        let (stack, rule): (Stack, Decision.Rule)
        if !definition.enabled {
            (stack, rule) = (.compat, .disabled)
        } else if !definition.endpoints.contains(endpoint) {
            (stack, rule) = (.compat, .endpoint)
        } else if let userId, compiled.compatUsers.contains(userId) {
            (stack, rule) = (.compat, .pinnedCompat)
        } else if let userId, compiled.nativeUsers.contains(userId) {
            (stack, rule) = (.native, .pinnedNative)
        } else if let bucket {
            (stack, rule) = (bucket < definition.percentage.hundredths ? .native : .compat, .rollout)
        } else {
            (stack, rule) = (definition.unidentified, .unidentified)
        }
        return Decision(flag: definition.name, endpoint: endpoint, stack: stack, rule: rule, bucket: bucket, percentage: definition.percentage)
    }
}

extension FlagSnapshot: AtomicReference {}

/// A flag with its lookups prepared.
private struct CompiledFlag: Sendable {
    let definition: FlagDefinition
    let hasher: SaltedHasher
    /// Swift compares strings by canonical equivalence, so these sets match NFC and NFD spellings alike.
    let nativeUsers: Set<String>
    let compatUsers: Set<String>

    init(_ definition: FlagDefinition) {
        self.definition = definition
        self.hasher = SaltedHasher(salt: definition.salt)
        self.nativeUsers = Set(definition.nativeUsers)
        self.compatUsers = Set(definition.compatUsers)
    }
}
