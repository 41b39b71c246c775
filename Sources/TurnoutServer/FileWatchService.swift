import ServiceLifecycle

/// Runs a file watcher (flags.yaml, apps.yaml) as a service that ends on graceful shutdown.
struct FileWatchService: Service {
    let watch: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await watch()
        }
    }
}
