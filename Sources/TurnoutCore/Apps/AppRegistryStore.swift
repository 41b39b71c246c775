import Synchronization

/// Holds the current ``AppRegistry`` snapshot; reloads swap it whole.
///
/// Reads copy the snapshot out under a short lock (a reference-count increment), and happen
/// only at `start_app` and app init, never on the routing path.
package final class AppRegistryStore: Sendable {
    private let registry: Mutex<AppRegistry>

    /// Creates a store holding `registry`.
    package init(_ registry: AppRegistry = AppRegistry()) {
        self.registry = Mutex(registry)
    }

    /// The current snapshot.
    package var current: AppRegistry {
        self.registry.withLock { $0 }
    }

    /// Replaces the snapshot; sessions keep running, later inits and starts see the new one.
    package func replace(with registry: AppRegistry) {
        self.registry.withLock { $0 = registry }
    }
}
