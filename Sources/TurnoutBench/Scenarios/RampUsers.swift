import TurnoutFlags

/// User ids for a ramp whose flag buckets are spread evenly over 0–100 %.
///
/// User `slot` of U gets an id whose bucket (under the flag's salt) lies in
/// `[slot × 10000 / U, (slot + 1) × 10000 / U)`, so at P % exactly ⌊U × P / 100⌋ or one more of
/// them are on native: the step checker then tests the server's migration, not the hash's luck
/// with few users.
package enum RampUsers {
    /// The fewest users that keep every step within ``RampPlan/tolerancePoints`` (100 / U ≤ 5).
    package static let minimumUsers = 20

    /// The id of user `slot` of `count` (generation `generation`: the soak replaces a user who
    /// left with a new one in the same slot).
    ///
    /// - Parameter prefix: Makes the ids of one run unique, e.g. `bench-1a2b`.
    package static func id(slot: Int, of count: Int, generation: Int = 0, prefix: String, salt: String = FlagFile.nativeTransport) -> String {
        let low = slot * Bucketing.bucketCount / count
        let high = (slot + 1) * Bucketing.bucketCount / count
        var candidate = 0
        while true {
            let id = "\(prefix)-ramp-u\(slot)-g\(generation)-k\(candidate)@bench.local"
            let bucket = Bucketing.bucket(salt: salt, userId: id)
            if bucket >= low && bucket < high { return id }
            candidate += 1
        }
    }
}
