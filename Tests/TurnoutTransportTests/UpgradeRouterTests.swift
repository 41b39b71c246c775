import Foundation
import JWTKit
import Logging
import NIOHTTP1
import Testing
import TurnoutConfigFile
import TurnoutCore
import TurnoutFlags

@testable import TurnoutTransport

@Suite("UpgradeRouter")
struct UpgradeRouterTests {
    static let secret = "test-secret-for-the-upgrade-router-0123456789-0123456789abcdefghij"
    static let time = Timestamp(year: 2026, month: 11, day: 28, hour: 6)

    struct Fixture {
        let router: UpgradeRouter
        let authority: TokenAuthority
    }

    /// A router over flags that pin `qa@example.com` to native and put everyone else on compat.
    func fixture(echo: Bool = false) async throws -> Fixture {
        let flags = FlagSnapshot(
            file: FlagFile(flags: [FlagDefinition(name: "native-transport", percentage: .zero, nativeUsers: ["qa@example.com"])]),
            source: "test"
        )
        let store = FlagStore(path: "flags.yaml", snapshot: flags, fileState: .missing, logger: Logger(label: #function))
        let authority = try await TokenAuthority(secret: Self.secret)
        let router = UpgradeRouter(
            flags: store,
            tokens: authority,
            configuration: .init(echoEnabled: echo),
            clock: .fixed(Self.time),
            logger: Logger(label: #function)
        )
        return Fixture(router: router, authority: authority)
    }

    func request(_ uri: String, headers: [(String, String)] = []) -> UpgradeRequest {
        UpgradeRequest(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: HTTPHeaders(headers)))
    }

    func refusal(_ outcome: UpgradeOutcome) -> UpgradeRefusal? {
        if case .refuse(let refusal) = outcome { return refusal }
        return nil
    }

    func accepted(_ outcome: UpgradeOutcome) -> AcceptedUpgrade? {
        if case .accept(let upgrade) = outcome { return upgrade }
        return nil
    }

    @Test("glasses: a valid token in the header or the query is accepted, and the flag picks the stack")
    func glassesAccepted() async throws {
        let fixture = try await fixture()
        let token = try await fixture.authority.glassesToken(email: "qa@example.com")
        let viaHeader = try #require(
            accepted(
                await fixture.router.route(request("/glasses-ws", headers: [("Authorization", "Bearer \(token)")]), remoteAddress: "127.0.0.1:1")
            )
        )
        #expect(viaHeader.identity == .glasses(userId: "qa@example.com", stack: .native, remoteAddress: "127.0.0.1:1"))
        #expect(viaHeader.decision?.rule == .pinnedNative)
        #expect(viaHeader.target == .core)

        let other = try await fixture.authority.glassesToken(email: "alice@example.com")
        let viaQuery = try #require(
            accepted(await fixture.router.route(request("/glasses-ws?token=\(other)&livekit=true"), remoteAddress: "127.0.0.1:2"))
        )
        #expect(viaQuery.identity == .glasses(userId: "alice@example.com", stack: .compat, remoteAddress: "127.0.0.1:2", livekit: true))
        #expect(viaQuery.decision?.rule == .rollout)
    }

    @Test("glasses: no token, and every kind of bad token, get the protocol's 401 bodies")
    func glassesRefused() async throws {
        let fixture = try await fixture()
        let missing = try #require(refusal(await fixture.router.route(request("/glasses-ws"), remoteAddress: "r")))
        #expect(missing.status == .unauthorized)
        #expect(missing.body == #"{"type":"connection_error","message":"No core token provided","timestamp":"2026-11-28T06:00:00.000Z"}"#)

        for token in try await Self.badTokens() {
            let invalid = try #require(refusal(await fixture.router.route(request("/glasses-ws?token=\(token)"), remoteAddress: "r")))
            #expect(invalid.status == .unauthorized)
            #expect(
                invalid.body == #"{"type":"connection_error","message":"Invalid core token","timestamp":"2026-11-28T06:00:00.000Z"}"#,
                "token \(token)"
            )
        }
    }

    @Test("a token without an email claim is invalid")
    func noEmail() async throws {
        let fixture = try await fixture()
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: Self.secret), digestAlgorithm: .sha256)
        let token = try await keys.sign(AppTokenClaims(packageName: "p", apiKey: "k", exp: nil))
        #expect(refusal(await fixture.router.route(request("/glasses-ws?token=\(token)"), remoteAddress: "r"))?.reason == .invalidToken)
    }

    @Test("app JWT mode: headers are checked before the token")
    func appHeadersFirst() async throws {
        let fixture = try await fixture()
        let missing = try #require(
            refusal(await fixture.router.route(request("/app-ws", headers: [("Authorization", "Bearer garbage")]), remoteAddress: "r"))
        )
        #expect(missing.status == .unauthorized)
        #expect(
            missing.body
                == #"{"type":"tpa_connection_error","code":"MISSING_HEADERS","message":"Missing userId or sessionId in request headers","timestamp":"2026-11-28T06:00:00.000Z"}"#
        )
        let headers = [("Authorization", "Bearer garbage"), ("x-user-id", "alice@example.com"), ("x-session-id", "s")]
        let invalid = try #require(refusal(await fixture.router.route(request("/app-ws", headers: headers), remoteAddress: "r")))
        #expect(
            invalid.body
                == #"{"type":"tpa_connection_error","code":"JWT_INVALID","message":"Invalid JWT token: malformed token","timestamp":"2026-11-28T06:00:00.000Z"}"#
        )
    }

    @Test("a Bearer token that starts with a combining mark is still a Bearer token: 401, not legacy mode")
    func bearerTokenStartingWithACombiningMark() async throws {
        // Found by the jwt fuzz target: compared as Characters, the space and U+06EC were one
        // character, so the header lost its scheme and /app-ws accepted it in legacy mode.
        let fixture = try await fixture()
        let token = String(decoding: [0xDB, 0xAC, 0x9A, 0x8B, 0xD8, 0xD1, 0xD1, 0x82, 0x46] as [UInt8], as: UTF8.self)
        let headers = [("Authorization", "Bearer \(token)"), ("x-user-id", "alice@example.com"), ("x-session-id", "s")]
        #expect(request("/app-ws", headers: headers).bearerToken == token)
        let app = try #require(refusal(await fixture.router.route(request("/app-ws", headers: headers), remoteAddress: "r")))
        #expect(
            app.body
                == #"{"type":"tpa_connection_error","code":"JWT_INVALID","message":"Invalid JWT token: malformed token","timestamp":"2026-11-28T06:00:00.000Z"}"#
        )
        let glasses = try #require(refusal(await fixture.router.route(request("/glasses-ws", headers: headers), remoteAddress: "r")))
        #expect(glasses.status == .unauthorized)
        #expect(glasses.body.contains("Invalid core token"))
    }

    @Test("app JWT mode: a valid token carries its credentials; the user's flag decides the stack")
    func appJWT() async throws {
        let fixture = try await fixture()
        let token = try await fixture.authority.appToken(packageName: "com.example.notes", apiKey: "notes-dev-key")
        let headers = [("Authorization", "Bearer \(token)"), ("x-user-id", "qa@example.com"), ("x-session-id", "qa@example.com-com.example.notes")]
        let upgrade = try #require(accepted(await fixture.router.route(request("/app-ws", headers: headers), remoteAddress: "r")))
        #expect(
            upgrade.identity
                == .jwtApp(
                    userId: "qa@example.com",
                    credentials: AppCredentials(packageName: "com.example.notes", apiKey: "notes-dev-key"),
                    stack: .native,
                    remoteAddress: "r"
                )
        )
    }

    @Test("legacy app mode always upgrades; the userId hint keeps the app on its user's stack")
    func legacyApp() async throws {
        let fixture = try await fixture()
        let hinted = try #require(accepted(await fixture.router.route(request("/app-ws?userId=qa%40example.com"), remoteAddress: "r")))
        #expect(hinted.identity == .legacyApp(stack: .native, remoteAddress: "r"))
        #expect(hinted.decision?.rule == .pinnedNative)
        let bare = try #require(accepted(await fixture.router.route(request("/app-ws"), remoteAddress: "r")))
        #expect(bare.decision?.rule == .unidentified)
        #expect(bare.identity.stack == .compat)
    }

    @Test("/tpa-ws is /app-ws under SDK 1.0.x's name: same modes, same endpoint, same decisions")
    func tpaPath() async throws {
        let fixture = try await fixture()
        let hinted = try #require(accepted(await fixture.router.route(request("/tpa-ws?userId=qa%40example.com"), remoteAddress: "r")))
        #expect(hinted.identity == .legacyApp(stack: .native, remoteAddress: "r"))
        #expect(hinted.decision?.rule == .pinnedNative)
        #expect(hinted.target == .core)
        let bare = try #require(accepted(await fixture.router.route(request("/tpa-ws"), remoteAddress: "r")))
        #expect(bare.identity == .legacyApp(stack: .compat, remoteAddress: "r"))
        #expect(bare.decision?.rule == .unidentified)
        let missingHeaders = try #require(
            refusal(await fixture.router.route(request("/tpa-ws", headers: [("Authorization", "Bearer garbage")]), remoteAddress: "r"))
        )
        #expect(missingHeaders.reason == .missingHeaders)
        #expect(fixture.router.isEndpoint("/tpa-ws"))
    }

    @Test("the endpoint table: every path, with echo on and off")
    func endpointTable() {
        #expect(EndpointTable(echoEnabled: false).paths == ["/app-ws", "/glasses-ws", "/tpa-ws"])
        #expect(EndpointTable(echoEnabled: true).paths == ["/app-ws", "/echo-ws", "/fanout-ws", "/glasses-ws", "/tpa-ws"])
        let table = EndpointTable(echoEnabled: true)
        #expect(table[path: "/glasses-ws"] == .glasses)
        #expect(table[path: "/app-ws"] == .app)
        #expect(table[path: "/tpa-ws"] == .app)
        #expect(table[path: "/echo-ws"] == .echo)
        #expect(table[path: "/fanout-ws"] == .fanout)
        #expect(table[path: "/app-ws/"] == nil)
        #expect(EndpointTable.appPath == "/app-ws")
    }

    @Test("unknown paths are 404; /echo-ws exists only when enabled and names its stack")
    func pathsAndEcho() async throws {
        let fixture = try await fixture()
        let unknown = try #require(refusal(await fixture.router.route(request("/nope"), remoteAddress: "r")))
        #expect(unknown.status == .notFound)
        #expect(
            unknown.body == #"{"type":"error","code":"NOT_FOUND","message":"No WebSocket endpoint at /nope","timestamp":"2026-11-28T06:00:00.000Z"}"#
        )
        #expect(refusal(await fixture.router.route(request("/echo-ws"), remoteAddress: "r"))?.reason == .notFound)

        let echo = try await self.fixture(echo: true)
        #expect(accepted(await echo.router.route(request("/echo-ws?stack=compat"), remoteAddress: "r"))?.stack == .compat)
        #expect(accepted(await echo.router.route(request("/echo-ws?stack=native"), remoteAddress: "r"))?.stack == .native)
        #expect(accepted(await echo.router.route(request("/echo-ws?stack=native"), remoteAddress: "r"))?.target == .echo)
        #expect(refusal(await echo.router.route(request("/echo-ws?stack=fast"), remoteAddress: "r"))?.reason == .badHandshake)
    }

    @Test("/fanout-ws exists only when echo is enabled, names its stack like /echo-ws, and goes to the room")
    func fanout() async throws {
        let plain = try await fixture()
        #expect(refusal(await plain.router.route(request("/fanout-ws"), remoteAddress: "r"))?.reason == .notFound)
        #expect(!plain.router.isEndpoint("/fanout-ws"))

        let echo = try await self.fixture(echo: true)
        #expect(echo.router.isEndpoint("/fanout-ws"))
        let compat = try #require(accepted(await echo.router.route(request("/fanout-ws?stack=compat"), remoteAddress: "r")))
        #expect(compat.stack == .compat)
        #expect(compat.target == .fanout)
        #expect(compat.decision == nil)
        #expect(accepted(await echo.router.route(request("/fanout-ws"), remoteAddress: "r"))?.stack == .native)
        #expect(refusal(await echo.router.route(request("/fanout-ws?stack=fast"), remoteAddress: "r"))?.reason == .badHandshake)
    }

    @Test("a secret shorter than 32 bytes is refused with a clear reason")
    func shortSecret() async {
        await #expect(throws: TokenError(reason: "the JWT secret is 5 bytes; HS256 needs at least 32 (RFC 7518 §3.2)")) {
            try await TokenAuthority(secret: "short")
        }
    }

    /// `alg: none`, another algorithm, a bad signature, an expired token, and garbage.
    static func badTokens() async throws -> [String] {
        func base64URL(_ text: String) -> String {
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let none = base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + base64URL(#"{"email":"alice@example.com"}"#) + "."

        let hs384 = JWTKeyCollection()
        await hs384.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha384)
        let otherAlgorithm = try await hs384.sign(GlassesTokenClaims(email: "alice@example.com", exp: nil))

        let wrongKey = JWTKeyCollection()
        await wrongKey.add(hmac: HMACKey(from: "another-secret-that-is-long-enough-for-hs256-and-hs384-0123456789"), digestAlgorithm: .sha256)
        let badSignature = try await wrongKey.sign(GlassesTokenClaims(email: "alice@example.com", exp: nil))

        let right = JWTKeyCollection()
        await right.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let expired = try await right.sign(
            GlassesTokenClaims(email: "alice@example.com", exp: ExpirationClaim(value: Date(timeIntervalSinceNow: -60)))
        )

        return [none, otherAlgorithm, badSignature, expired, "not-a-jwt", "a.b.c"]
    }
}
