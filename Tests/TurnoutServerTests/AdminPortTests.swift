import Foundation
import Logging
import Testing
import TurnoutCore
import TurnoutFlags
import TurnoutServer
import TurnoutTransport

@Suite("The admin port", .timeLimit(.minutes(1)))
struct AdminPortTests {
    @Test("bound beyond loopback, every admin route requires the bearer token")
    func tokenRequiredBeyondLoopback() async throws {
        let beyondLoopback: (inout TurnoutConfiguration) -> Void = {
            $0.adminHost = "0.0.0.0"
            $0.adminToken = "admin-token-for-tests"
        }
        try await withTestServer(flags: TestServer.flags(allOn: .compat), configure: beyondLoopback) { server in
            let paths = [
                "/", "/metrics", "/admin/flags", "/admin/flags/history", "/admin/route?userId=a@b.c", "/admin/connections", "/admin/compare",
            ]
            for path in paths {
                let refused = try await server.admin(path)
                #expect(refused.status == 401, "\(path)")
                #expect(refused.body == #"{"error":"unauthorized","message":"the admin port requires Authorization: Bearer $TURNOUT_ADMIN_TOKEN"}"#)
                #expect(try await server.admin(path, bearer: "wrong").status == 401)
                #expect(try await server.admin(path, bearer: "admin-token-for-tests").status == 200, "\(path)")
            }
        }
    }

    @Test("/admin/connections?userId= lists exactly that user's sockets: glasses and app, stack, package", arguments: [Stack.compat, .native])
    func connectionsOfOneUser(stack: Stack) async throws {
        try await withTestServer(flags: TestServer.flags(allOn: stack)) { server in
            let glasses = try await server.connectGlasses("alice@example.com")
            try await glasses.expectText(type: "connection_ack")
            let other = try await server.connectGlasses("carol@example.com")
            try await other.expectText(type: "connection_ack")
            _ = try await EndToEndTests.startApp(server, Transcript(), glasses: glasses, user: "alice@example.com")

            let answer = try await server.admin("/admin/connections?userId=alice%40example.com")
            #expect(answer.status == 200)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            #expect(object["userId"] as? String == "alice@example.com")
            let sockets = try #require(object["connections"] as? [[String: Any]])
            let summary = sockets.map { "\($0["endpoint"] ?? "-") \($0["stack"] ?? "-") \($0["packageName"] ?? "-")" }.sorted()
            #expect(summary == ["app \(stack.rawValue) com.example.notes", "glasses \(stack.rawValue) -"])
            #expect(sockets.allSatisfy { ($0["remote"] as? String)?.hasPrefix("127.0.0.1:") == true })

            let nobody = try await server.admin("/admin/connections?userId=bob%40example.com")
            #expect(nobody.status == 200)
            #expect(nobody.body == #"{"connections":[],"userId":"bob@example.com"}"#)
        }
    }

    @Test("bound beyond loopback without a token, the server refuses to start and says why")
    func refusesWithoutToken() async throws {
        let configuration = TurnoutConfiguration(
            host: "127.0.0.1",
            port: 0,
            adminHost: "0.0.0.0",
            adminPort: 0,
            flagsPath: "/nonexistent/flags.yaml",
            appsPath: "/nonexistent/apps.yaml",
            jwtSecret: TestServer.secret
        )
        var logger = Logger(label: #function)
        logger.logLevel = .critical
        let application = TurnoutApplication(configuration: configuration, logger: logger)
        do {
            try await application.run()
            Issue.record("the server started with an unprotected admin port")
        } catch let error as TurnoutStartupError {
            #expect(
                error.description
                    == "the admin port is bound to 0.0.0.0, beyond loopback; set TURNOUT_ADMIN_TOKEN so /metrics and /admin/* require it"
            )
        }
    }

    @Test("unknown admin paths are a 404 JSON; /admin/route refuses an unknown endpoint")
    func notFound() async throws {
        try await withTestServer(flags: TestServer.flags(allOn: .compat)) { server in
            let missing = try await server.admin("/admin/nope")
            #expect(missing.status == 404)
            #expect(missing.body == #"{"error":"not_found","message":"no admin route at /admin/nope"}"#)
            let badEndpoint = try await server.admin("/admin/route?userId=a@b.c&endpoint=phone")
            #expect(badEndpoint.status == 400)
            #expect(badEndpoint.body == #"{"error":"bad_request","message":"unknown endpoint 'phone'; use glasses or app"}"#)
        }
    }
}
