/// The WebSocket paths of the public port, each with what it serves and how it authenticates.
///
/// The one place a path is known: ``UpgradeRouter`` dispatches on it, ``PublicHTTPHandler`` asks
/// it whether a plain request hit an endpoint, and the server builds its webhook URL from
/// ``appPath``. A path added here is served everywhere at once.
package struct EndpointTable: Sendable {
    /// What one path serves.
    package enum Route: Sendable, Hashable {
        /// The phone carrying the glasses: a glasses JWT (`Authorization: Bearer` or `?token=`)
        /// names the user. Flag endpoint `glasses`.
        case glasses
        /// A third-party app: JWT mode (`Authorization` + `x-user-id`/`x-session-id`) or legacy
        /// mode (`tpa_connection_init` after the upgrade). Flag endpoint `app`.
        case app
        /// Sends every message back (`turnout serve --echo`); no identity.
        case echo
        /// One broadcast room (`turnout serve --echo`); no identity.
        case fanout
    }

    /// The app path the server puts into `session_request` webhooks.
    package static let appPath = "/app-ws"

    private let routes: [String: Route]

    /// The production paths, plus the diagnostic ones when `echoEnabled`.
    ///
    /// `/tpa-ws` is `/app-ws` under the name AugmentOS SDK 1.0.x's `TpaServer` uses: it connects to
    /// its own configured URL, whose default path is `/tpa-ws`, and ignores the webhook's URL.
    package init(echoEnabled: Bool) {
        var routes: [String: Route] = ["/glasses-ws": .glasses, Self.appPath: .app, "/tpa-ws": .app]
        if echoEnabled {
            routes["/echo-ws"] = .echo
            routes["/fanout-ws"] = .fanout
        }
        self.routes = routes
    }

    /// What `path` serves, or `nil` when it is not a WebSocket endpoint of this server.
    package subscript(path path: String) -> Route? {
        self.routes[path]
    }

    /// Every served path, sorted: for logs and docs.
    package var paths: [String] {
        self.routes.keys.sorted()
    }
}
