import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing
import TurnoutCore
import TurnoutFlags
import TurnoutGuard
import TurnoutTestSupport
import TurnoutTransport

@testable import TurnoutServer

@Suite("the ramp guard and fault injection on a running server", .timeLimit(.minutes(1)))
struct GuardEndToEndTests {
    static let token = "admin-token-for-guard-tests"

    @Test("an injected close fault closes that stack's sockets with 1011 at the first message; /health names it", arguments: [Stack.native, .compat])
    func closeFault(stack: Stack) async throws {
        let plan = FaultPlan(faults: [FaultSpec(stack: stack, kind: .close(code: 1011, rate: 1))], seed: 7)
        let faults: (inout TurnoutConfiguration) -> Void = { $0.faults = plan }
        try await withTestServer(flags: TestServer.flags(allOn: stack), configure: faults) { server in
            let glasses = try await server.connectGlasses("faulty@example.com")
            _ = await glasses.next()  // connection_ack: the server speaks first, untouched
            try await glasses.sendText(#"{"type":"connection_init","coreToken":"ignored"}"#)
            #expect(await glasses.next() == .close(1011, "Injected fault"))
            try? await glasses.sendClose(1011)
            _ = await glasses.transcript()

            let health = try await Self.publicHealth(server)
            #expect(health.contains(#""faults":{"injected":["\#(stack):close=1011,rate=1.0"],"seed":7}"#))
        }
    }

    @Test("an injected delay holds a fifth of the messages yet keeps their order; drop-audio drops binary frames only")
    func delayKeepsOrderAndDropAudioDropsBinary() async throws {
        let plan = FaultPlan(
            faults: [
                FaultSpec(stack: .native, kind: .delay(.milliseconds(20), rate: 0.2)),
                FaultSpec(stack: .native, kind: .dropAudio(rate: 1)),
            ],
            seed: 11
        )
        let faults: (inout TurnoutConfiguration) -> Void = { $0.faults = plan }
        try await withTestServer(flags: TestServer.flags(allOn: .native), configure: faults) { server in
            let echo = try await RawWebSocketClient.connect(port: server.port, path: "/echo-ws?stack=native")
            for index in 0..<30 {
                try await echo.sendText("m\(index)")
            }
            try await echo.send(opcode: 2, [1, 2, 3])
            try await echo.sendText("after the audio")
            for index in 0..<30 {
                #expect(await echo.next() == .text("m\(index)"))
            }
            // The binary frame never reached the echo; the text after it did.
            #expect(await echo.next() == .text("after the audio"))
            await echo.close()
        }
    }

    @Test("20 native sockets closed by a fault against 20 healthy compat ones trip the guard: rollback, admin, reset")
    func tripsRollsBackAndResets() async throws {
        let native = (0..<20).map { "native\($0)@example.com" }
        let compat = (0..<20).map { "compat\($0)@example.com" }
        let flags = """
            version: 1
            flags:
              native-transport:
                percentage: 50
                users:
                  native: [\(native.joined(separator: ", "))]
                  compat: [\(compat.joined(separator: ", "))]
                guard:
                  window: 1s
                  min_samples: 20
                  consecutive: 1

            """
        let scheduler = ManualScheduler()
        let windows = EventQueue<GuardTrip?>()
        let sampling = GuardSampling(scheduler: scheduler, onWindow: { windows.yield($1) })
        let plan = FaultPlan(faults: [FaultSpec(stack: .native, kind: .close(code: 1011, rate: 1))])
        let configure: (inout TurnoutConfiguration) -> Void = {
            $0.faults = plan
            $0.adminHost = "0.0.0.0"
            $0.adminToken = Self.token
        }
        try await withTestServer(flags: flags, guardSampling: sampling, configure: configure) { server in
            // A user the rollout puts on native: its decision shows the guard once it trips.
            var rolloutUser = ""
            for index in 0..<200 {
                let answer = try await server.admin("/admin/route?userId=rollout\(index)@example.com", bearer: Self.token)
                if answer.body.contains(#""rule":"rollout""#) && answer.body.contains(#""stack":"native""#) {
                    rolloutUser = "rollout\(index)@example.com"
                    break
                }
            }
            #expect(!rolloutUser.isEmpty)

            var open: [RawWebSocketClient] = []
            for user in compat {
                let glasses = try await server.connectGlasses(user)
                _ = await glasses.next()
                open.append(glasses)
            }
            for user in native {
                let glasses = try await server.connectGlasses(user)
                _ = await glasses.next()
                try await glasses.sendText(#"{"type":"connection_init","coreToken":"ignored"}"#)
                #expect(await glasses.next() == .close(1011, "Injected fault"))
                // The close handshake may already be over: the server closes the socket once answered or timed out.
                try? await glasses.sendClose(1011)
                #expect(await glasses.transcript().last == .closed)
            }
            // The server has reported every close: its counts say so before the window ends.
            while server.running.core.connectionCounts().values.reduce(0, +) > compat.count { await Task.yield() }
            scheduler.advance(by: .seconds(1))
            let trip = try #require(await windows.next() ?? nil)
            #expect(trip.result.signal == .abnormalCloses)
            #expect(trip.result.nativeSamples == 20)
            #expect(trip.result.compatSamples == 20)
            #expect(trip.result.compat == 0)
            #expect(trip.result.pValue < SignalResult.significance)

            let route = try await server.admin("/admin/route?userId=\(rolloutUser)", bearer: Self.token)
            #expect(route.body.contains(#""rule":"guard-rollback""#))
            #expect(route.body.contains(#""stack":"compat""#))
            let pinned = try await server.admin("/admin/route?userId=\(native[0])", bearer: Self.token)
            #expect(pinned.body.contains(#""rule":"pinned-native""#))

            let report = try await server.admin("/admin/flags", bearer: Self.token)
            #expect(report.body.contains(#""state":"tripped""#))
            #expect(report.body.contains(#""signal":"abnormal_closes""#))
            #expect(report.body.contains(#""nativeSamples":20"#))
            #expect(report.body.contains(#""badWindowsBySignal":{"abnormal_closes":1}"#))
            let metrics = try await server.admin("/metrics", bearer: Self.token)
            #expect(metrics.body.contains(#"turnout_guard_trips_total{flag="native-transport",signal="abnormal_closes"}"#))

            // Reset: POST only, with the admin token.
            let path = "/admin/flags/native-transport/guard/reset"
            #expect(try await server.admin(path, method: .POST).status == 401)
            let get = try await server.admin(path, bearer: Self.token)
            #expect(get.status == 405)
            #expect(get.body == #"{"error":"method_not_allowed","message":"/admin/flags/native-transport/guard/reset answers POST only"}"#)
            #expect(try await server.admin("/admin/flags/nope/guard/reset", bearer: Self.token, method: .POST).status == 404)
            let reset = try await server.admin(path, bearer: Self.token, method: .POST)
            #expect(reset.status == 200)
            #expect(reset.body.contains(#""state":"armed""#))
            let after = try await server.admin("/admin/route?userId=\(rolloutUser)", bearer: Self.token)
            #expect(after.body.contains(#""rule":"rollout""#))

            for glasses in open {
                try await glasses.sendClose(1000)
                _ = await glasses.transcript()
            }
        }
    }

    /// `GET /health` on the public port.
    static func publicHealth(_ server: TestServer) async throws -> String {
        let response = try await server.httpClient.execute(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/health"), timeout: .seconds(10))
        #expect(response.status == .ok)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
