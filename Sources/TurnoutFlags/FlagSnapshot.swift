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
    /// `native-transport`, looked up once: nearly every decision asks for it.
    private let nativeTransport: CompiledFlag?

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
        self.nativeTransport = compiled[FlagFile.nativeTransport]
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
        // Comparing with the same static string is a pointer check, so the common case skips hashing the name.
        guard let compiled = flag == FlagFile.nativeTransport ? nativeTransport : compiled[flag] else {
            let bucket = userId.map { Bucketing.bucket(salt: flag, userId: $0) }
            return Decision(flag: flag, endpoint: endpoint, stack: .compat, rule: .disabled, bucket: bucket, percentage: .zero)
        }
        let hash = userId.map { compiled.hasher.hash(userId: $0) }
        let bucket = hash.map(Bucketing.bucket(forHash:))
        let (stack, rule): (Stack, Decision.Rule)
        if !compiled.enabled {
            (stack, rule) = (.compat, .disabled)
        } else if !compiled.applies(to: endpoint) {
            (stack, rule) = (.compat, .endpoint)
        } else if let userId, let hash, compiled.compatUsers.contains(userId, hash: hash) {
            (stack, rule) = (.compat, .pinnedCompat)
        } else if let userId, let hash, compiled.nativeUsers.contains(userId, hash: hash) {
            (stack, rule) = (.native, .pinnedNative)
        } else if let bucket {
            (stack, rule) = (bucket < compiled.percentage.hundredths ? .native : .compat, .rollout)
        } else {
            (stack, rule) = (compiled.unidentified, .unidentified)
        }
        return Decision(flag: compiled.name, endpoint: endpoint, stack: stack, rule: rule, bucket: bucket, percentage: compiled.percentage)
    }
}

/// A flag with its lookups prepared.
///
/// A class, and flat: a decision then costs one reference to it rather than a copy of every
/// string, set and array in a ``FlagDefinition``, each with its own reference count.
private final class CompiledFlag: Sendable {
    let name: String
    let enabled: Bool
    let percentage: Percentage
    let unidentified: Stack
    let glasses: Bool
    let app: Bool
    let hasher: SaltedHasher
    let nativeUsers: PinnedUsers
    let compatUsers: PinnedUsers

    init(_ definition: FlagDefinition) {
        let hasher = SaltedHasher(salt: definition.salt)
        self.name = definition.name
        self.enabled = definition.enabled
        self.percentage = definition.percentage
        self.unidentified = definition.unidentified
        self.glasses = definition.endpoints.contains(.glasses)
        self.app = definition.endpoints.contains(.app)
        self.hasher = hasher
        self.nativeUsers = PinnedUsers(definition.nativeUsers, hasher: hasher)
        self.compatUsers = PinnedUsers(definition.compatUsers, hasher: hasher)
    }

    @inline(__always)
    func applies(to endpoint: Endpoint) -> Bool {
        switch endpoint {
        case .glasses: glasses
        case .app: app
        }
    }
}

/// A pinned-user list, looked up by the salted hash the decision computes anyway.
///
/// A sorted array of hashes answers "certainly not pinned" with a binary search and no string
/// hashing; only a hash match is confirmed by comparing the strings (canonical equivalence, so
/// NFC and NFD spellings match).
private struct PinnedUsers: Sendable {
    private let hashes: [UInt32]
    private let users: Set<String>

    init(_ users: [String], hasher: SaltedHasher) {
        self.users = Set(users)
        self.hashes = Set(users.map(hasher.hash(userId:))).sorted()
    }

    @inline(__always)
    func contains(_ userId: String, hash: UInt32) -> Bool {
        guard !hashes.isEmpty else { return false }
        var low = 0
        var high = hashes.count
        while low < high {
            let middle = (low + high) / 2
            if hashes[middle] < hash { low = middle + 1 } else { high = middle }
        }
        return low < hashes.count && hashes[low] == hash && users.contains(userId)
    }
}
