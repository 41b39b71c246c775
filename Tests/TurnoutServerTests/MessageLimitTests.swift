import Testing
import TurnoutFlags
import TurnoutTestSupport

/// The production message limit, 1 MiB (docs/operations.md `--max-message-size`), on both stacks
/// of a server started with the default configuration.
@Suite("The default 1 MiB message limit", .timeLimit(.minutes(1)))
struct MessageLimitTests {
    @Test("a 1 MiB text message passes; one byte more closes with 1009", arguments: [Stack.compat, .native])
    func oneMebibyte(stack: Stack) async throws {
        try await withTestServer(flags: TestServer.flags(allOn: stack)) { server in
            let glasses = try await server.connectGlasses("big@example.com")
            try await glasses.expectText(type: "connection_ack")
            let head = #"{"type":"big_event","pad":""#
            let tail = #""}"#
            let padding = (1 << 20) - head.utf8.count - tail.utf8.count
            // Exactly the limit: an unknown type, ignored; the socket stays open.
            try await glasses.sendText(head + String(repeating: "a", count: padding) + tail)
            try await glasses.sendText(#"{"type":"connection_init"}"#)
            try await glasses.expectText(type: "connection_ack")
            // One byte over.
            try await glasses.sendText(head + String(repeating: "a", count: padding + 1) + tail)
            #expect(await glasses.nextMessage() == .close(1009, "Message too big"))
        }
    }
}
