package import Logging
package import TurnoutConfigFile

/// Holds the current ``AppRegistry`` snapshot; reloads from apps.yaml swap it whole.
///
/// One instance of TurnoutConfigFile's ``ReloadingFileStore``, with apps.yaml's decoder
/// (``ConfigFileKind/apps``). Reads are an atomic load, and happen only at `start_app`, app
/// init and app restart, never on the routing path. An invalid, unreadable or deleted file keeps
/// the last good registry. Every reload is logged, counted in `turnout_apps_reload_total{result}`,
/// remembered as `lastReload` and published on `reloadEvents()`.
package typealias AppRegistryStore = ReloadingFileStore<AppRegistry>

extension ConfigFileKind where Value == AppRegistry {
    /// apps.yaml: decoded by ``AppRegistry/decode(_:file:)``; a missing file at start-up is an
    /// empty registry, so no app can connect until it exists.
    package static var apps: Self {
        ConfigFileKind(
            noun: "apps",
            reloadCounter: "turnout_apps_reload_total",
            missingAtStartup: "apps file not found; no app can connect until it exists",
            fallback: { _ in AppRegistry() },
            decode: { (bytes, file, _) throws(ConfigFileErrors) in try AppRegistry.decode(bytes, file: file) },
            describe: { registry in ["apps": "\(registry.apps.count)"] }
        )
    }
}

extension ReloadingFileStore where Value == AppRegistry {
    /// Creates a store holding `registry` with no file behind it (tests, embedding).
    package convenience init(_ registry: AppRegistry = AppRegistry()) {
        self.init(fixed: registry, kind: .apps)
    }

    /// Loads apps.yaml at start-up.
    ///
    /// A missing file means an empty registry (no app can connect), logged as a warning.
    /// - Throws: ``ConfigFileErrors`` when the file exists but is invalid or unreadable: start-up
    ///   must stop rather than run with a registry nobody wrote.
    package static func load(path: String, logger: Logger) throws(ConfigFileErrors) -> AppRegistryStore {
        try load(path: path, kind: .apps, logger: logger)
    }

    /// The current snapshot. Lock-free.
    package var current: AppRegistry {
        value
    }
}
