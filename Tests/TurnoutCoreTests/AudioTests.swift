import NIOCore
import Testing
import TurnoutCore

@Suite("Binary audio fan-out")
struct AudioTests {
    static let user = "alice@example.com"

    @Test("frames go unchanged to every app matching audio_chunk, including all and *")
    func fanOut() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let audio = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["audio_chunk"])
        let all = harness.startAndConnect("com.example.maps", userId: Self.user, glasses: glasses, subscriptions: ["*"])
        let transcription = harness.startAndConnect("com.example.translate", userId: Self.user, glasses: glasses, subscriptions: ["transcription"])
        let frame: [UInt8] = (0..<640).map { UInt8($0 & 0xFF) }
        glasses.1.binaryReceived(ByteBuffer(bytes: frame))
        #expect(audio.0.takeEvents() == [.binary(frame)])
        #expect(all.0.takeEvents() == [.binary(frame)])
        #expect(transcription.0.events.isEmpty)
        #expect(glasses.0.events.isEmpty)
    }

    @Test("an odd trailing byte is held back and prepended to the next frame")
    func oddBytes() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["audio_chunk"])
        glasses.1.binaryReceived(ByteBuffer(bytes: [1, 2, 3]))
        glasses.1.binaryReceived(ByteBuffer(bytes: [4, 5, 6]))
        glasses.1.binaryReceived(ByteBuffer(bytes: [7]))
        glasses.1.binaryReceived(ByteBuffer(bytes: [8]))
        glasses.1.binaryReceived(ByteBuffer(bytes: []))
        glasses.1.binaryReceived(ByteBuffer(bytes: [9, 10]))
        #expect(app.0.takeEvents() == [.binary([1, 2]), .binary([3, 4, 5, 6]), .binary([7, 8]), .binary([9, 10])])
    }

    @Test("the held byte belongs to the glasses socket: a new socket starts clean")
    func carryIsPerSocket() {
        let harness = CoreHarness()
        let first = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: first, subscriptions: ["audio_chunk"])
        first.1.binaryReceived(ByteBuffer(bytes: [1, 2, 3]))
        first.1.connectionClosed(code: 1006, reason: nil)
        let second = harness.openGlasses(Self.user)
        second.1.binaryReceived(ByteBuffer(bytes: [10, 11]))
        #expect(app.0.takeEvents() == [.binary([1, 2]), .binary([10, 11])])
    }

    @Test("the carry is kept even while no app listens, so samples stay aligned")
    func carryWithoutListeners() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses)
        glasses.1.binaryReceived(ByteBuffer(bytes: [1, 2, 3]))
        app.1.textReceived(#"{"type":"subscription_update","subscriptions":["audio_chunk"]}"#)
        glasses.1.binaryReceived(ByteBuffer(bytes: [4, 5, 6, 7, 8]))
        #expect(app.0.takeEvents() == [.binary([3, 4, 5, 6, 7, 8])])
    }

    @Test("binary frames from an app are ignored")
    func binaryFromApp() {
        let harness = CoreHarness()
        let glasses = harness.openGlasses(Self.user)
        let app = harness.startAndConnect("com.example.notes", userId: Self.user, glasses: glasses, subscriptions: ["audio_chunk"])
        app.1.binaryReceived(ByteBuffer(bytes: [1, 2]))
        #expect(app.0.events.isEmpty)
        #expect(glasses.0.events.isEmpty)
    }
}
