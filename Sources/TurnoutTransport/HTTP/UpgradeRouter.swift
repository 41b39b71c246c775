package import Logging
import Metrics
package import TurnoutCore
package import TurnoutFlags

/// Decides what happens to each WebSocket upgrade: which endpoint, who is connecting, and which
/// transport stack carries the connection.
///
/// 1. path → endpoint, from the ``EndpointTable``: `/glasses-ws`, `/app-ws` and `/tpa-ws`,
///    `/echo-ws` and `/fanout-ws` (only when enabled), else 404;
/// 2. authenticate (protocol.md) → an identity, or 401;
/// 3. ``FlagStore/decide(userId:endpoint:flag:)`` → the stack and the rule that chose it.
///
/// The router does no I/O of its own: the HTTP pipeline asks it, then installs the chosen stack
/// or writes the refusal. Every outcome is counted in `turnout_upgrades_total{result}` and
/// every decision in `turnout_decisions_total{stack,reason}`.
package struct UpgradeRouter: Sendable {
    /// What the router needs beyond its collaborators.
    package struct Configuration: Sendable {
        /// Whether `/echo-ws` and `/fanout-ws` exist (`turnout serve --echo`): for conformance
        /// runs and benchmarks.
        package var echoEnabled: Bool
        /// Limits for `/glasses-ws` and `/app-ws`.
        package var stack: WebSocketStackConfiguration
        /// Limits for `/echo-ws` and `/fanout-ws`; the conformance suite sends messages of up to 16 MiB.
        package var echoStack: WebSocketStackConfiguration

        /// Creates a configuration; `/echo-ws` and `/fanout-ws` are off by default.
        package init(
            echoEnabled: Bool = false,
            stack: WebSocketStackConfiguration = .init(),
            echoStack: WebSocketStackConfiguration = .init(maxMessageSize: 16 << 20 + 1024)
        ) {
            self.echoEnabled = echoEnabled
            self.stack = stack
            self.echoStack = echoStack
        }
    }

    private let flags: FlagStore
    /// The flags the ramp guard rolled back: their rollout decisions become compat.
    private let rollbacks: GuardRollbacks
    private let tokens: TokenAuthority
    /// The paths this router serves.
    package let endpoints: EndpointTable
    private let clock: WallClock
    private let configuration: Configuration
    private let logger: Logger

    /// Creates a router.
    package init(
        flags: FlagStore,
        tokens: TokenAuthority,
        configuration: Configuration,
        clock: WallClock = .system,
        rollbacks: GuardRollbacks = .init(),
        logger: Logger
    ) {
        self.flags = flags
        self.rollbacks = rollbacks
        self.tokens = tokens
        self.configuration = configuration
        self.endpoints = EndpointTable(echoEnabled: configuration.echoEnabled)
        self.clock = clock
        self.logger = logger
    }

    /// The router's clock, for the timestamps of refusals written outside it.
    package var now: Timestamp { clock.now() }

    /// Whether `path` is a WebSocket endpoint of this server.
    package func isEndpoint(_ path: String) -> Bool {
        endpoints[path: path] != nil
    }

    /// Routes one upgrade request.
    ///
    /// - Parameters:
    ///   - request: The request's path, query and headers.
    ///   - remoteAddress: The peer, for the identity and logs.
    package func route(_ request: UpgradeRequest, remoteAddress: String) async -> UpgradeOutcome {
        let outcome = await decide(request, remoteAddress: remoteAddress)
        record(outcome, path: request.path, remoteAddress: remoteAddress)
        return outcome
    }

    private func decide(_ request: UpgradeRequest, remoteAddress: String) async -> UpgradeOutcome {
        switch endpoints[path: request.path] {
        case .glasses:
            return await routeGlasses(request, remoteAddress: remoteAddress)
        case .app:
            return await routeApp(request, remoteAddress: remoteAddress)
        case .echo:
            return routeEcho(request, target: .echo, remoteAddress: remoteAddress)
        case .fanout:
            return routeEcho(request, target: .fanout, remoteAddress: remoteAddress)
        case nil:
            return .refuse(.notFound(path: request.path, at: clock.now()))
        }
    }

    private func routeGlasses(_ request: UpgradeRequest, remoteAddress: String) async -> UpgradeOutcome {
        guard let token = request.bearerToken ?? request.query["token"].flatMap({ $0.isEmpty ? nil : $0 }) else {
            return .refuse(.glasses(.missingToken, at: clock.now()))
        }
        let userId: String
        do {
            userId = try await tokens.verifyGlassesToken(token)
        } catch {
            logger.info("glasses token refused", metadata: ["reason": "\(error.reason)", "remote": "\(remoteAddress)"])
            return .refuse(.glasses(.invalidToken, at: clock.now()))
        }
        let livekit = request.query["livekit"]?.lowercased() == "true" || request.header("livekit")?.lowercased() == "true"
        let decision = rollbacks.apply(flags.decide(userId: userId, endpoint: .glasses))
        let identity = ConnectionIdentity.glasses(
            userId: userId,
            stack: decision.stack.transportStack,
            remoteAddress: remoteAddress,
            livekit: livekit
        )
        return .accept(
            AcceptedUpgrade(target: .core, stack: decision.stack, identity: identity, decision: decision, configuration: configuration.stack)
        )
    }

    private func routeApp(_ request: UpgradeRequest, remoteAddress: String) async -> UpgradeOutcome {
        guard request.hasBearerAuthorization else {
            // Legacy mode: the user is learnt from tpa_connection_init; the server's own webhook
            // URL carries ?userId= so the app joins its user's stack.
            let hint = request.query["userId"].flatMap { $0.isEmpty ? nil : $0 }
            let decision = rollbacks.apply(flags.decide(userId: hint, endpoint: .app))
            let identity = ConnectionIdentity.legacyApp(stack: decision.stack.transportStack, remoteAddress: remoteAddress)
            var upgrade = AcceptedUpgrade(
                target: .core,
                stack: decision.stack,
                identity: identity,
                decision: decision,
                configuration: configuration.stack
            )
            upgrade.hintedUserId = hint
            return .accept(upgrade)
        }
        guard let userId = request.header("x-user-id"), request.header("x-session-id") != nil else {
            return .refuse(.missingAppHeaders(at: clock.now()))
        }
        guard let token = request.bearerToken else {
            return .refuse(.invalidAppToken(TokenError(reason: "the Bearer token is empty"), at: clock.now()))
        }
        let credentials: AppCredentials
        do {
            credentials = try await tokens.verifyAppToken(token)
        } catch {
            logger.info("app token refused", metadata: ["reason": "\(error.reason)", "remote": "\(remoteAddress)"])
            return .refuse(.invalidAppToken(error, at: clock.now()))
        }
        let decision = rollbacks.apply(flags.decide(userId: userId, endpoint: .app))
        let identity = ConnectionIdentity.jwtApp(
            userId: userId,
            credentials: credentials,
            stack: decision.stack.transportStack,
            remoteAddress: remoteAddress
        )
        return .accept(
            AcceptedUpgrade(target: .core, stack: decision.stack, identity: identity, decision: decision, configuration: configuration.stack)
        )
    }

    /// `/echo-ws` and `/fanout-ws`: no identity, the stack named by `?stack=` (native by default).
    private func routeEcho(_ request: UpgradeRequest, target: AcceptedUpgrade.Target, remoteAddress: String) -> UpgradeOutcome {
        let stack: Stack
        switch request.query["stack"] {
        case .none, "native": stack = .native
        case "compat": stack = .compat
        case .some(let other):
            return .refuse(.badHandshake("unknown stack '\(other)'; use ?stack=compat or ?stack=native", at: clock.now()))
        }
        let identity = ConnectionIdentity(endpoint: .app, userId: nil, stack: stack.transportStack, remoteAddress: remoteAddress)
        return .accept(AcceptedUpgrade(target: target, stack: stack, identity: identity, decision: nil, configuration: configuration.echoStack))
    }

    /// Counts an outcome in `turnout_upgrades_total` (and `turnout_decisions_total`) and logs it.
    func record(_ outcome: UpgradeOutcome, path: String, remoteAddress: String) {
        switch outcome {
        case .accept(let upgrade):
            Counter(label: "turnout_upgrades_total", dimensions: [("result", "accepted")]).increment()
            if let decision = upgrade.decision {
                Counter(
                    label: "turnout_decisions_total",
                    dimensions: [("stack", decision.stack.rawValue), ("reason", decision.rule.rawValue)]
                ).increment()
                logger.debug(
                    "upgrade accepted",
                    metadata: [
                        "userId": "\(upgrade.identity.userId ?? "")", "endpoint": "\(upgrade.identity.endpoint.rawValue)",
                        "stack": "\(decision.stack)", "rule": "\(decision.rule)", "remote": "\(remoteAddress)",
                    ]
                )
            }
        case .refuse(let refusal):
            Counter(label: "turnout_upgrades_total", dimensions: [("result", refusal.reason.rawValue)]).increment()
            logger.info("upgrade refused", metadata: ["path": "\(path)", "result": "\(refusal.reason.rawValue)", "remote": "\(remoteAddress)"])
        }
    }
}

/// The router's answer to one upgrade request.
package enum UpgradeOutcome: Sendable {
    /// Upgrade, and hand the socket to this stack.
    case accept(AcceptedUpgrade)
    /// Answer with this refusal and close.
    case refuse(UpgradeRefusal)
}

/// An upgrade the router accepted.
package struct AcceptedUpgrade: Sendable {
    /// Who consumes the connection.
    package enum Target: Sendable, Hashable {
        /// The session core (`/glasses-ws`, `/app-ws`, `/tpa-ws`).
        case core
        /// The echo responder (`/echo-ws`).
        case echo
        /// The broadcast room (`/fanout-ws`).
        case fanout
    }

    /// Who consumes the connection.
    package var target: Target
    /// The stack that carries it.
    package var stack: Stack
    /// Who is connecting, and on which stack.
    package var identity: ConnectionIdentity
    /// The flag decision, for logs and the admin port; `nil` for `/echo-ws` and `/fanout-ws`,
    /// which name their stack.
    package var decision: Decision?
    /// The limits for this connection.
    package var configuration: WebSocketStackConfiguration

    /// The user the flag decided by: the identity's user, or a legacy app's `?userId=` hint.
    package var routedUserId: String? {
        identity.userId ?? hintedUserId
    }

    /// A legacy app's `?userId=` hint, kept for re-deciding after a flag edit.
    package var hintedUserId: String?
}

extension Stack {
    /// The core's label for this stack.
    package var transportStack: TransportStack {
        switch self {
        case .compat: .compat
        case .native: .native
        }
    }
}
