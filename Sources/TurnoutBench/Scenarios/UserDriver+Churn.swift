import NIOCore
import NIOWebSocket

/// The soak's churn, as a user does it: apps stopped and started from the glasses, and leaving.
extension UserDriver {
    /// Sends `stop_app` for app `index`: `app_stopped` and a 1000 close are then expected.
    func stopApp(_ index: Int) {
        guard let glasses, !self.apps[index].stopping else { return }
        self.apps[index].stopping = true
        self.sendControl(#"{"type":"stop_app","packageName":""#, self.packages[index], on: glasses)
    }

    /// Sends `start_app` for app `index` after a ``stopApp(_:)``: a `session_request` webhook
    /// is then expected, and the app starts afresh.
    func startApp(_ index: Int) {
        guard let glasses, self.apps[index].stopping else { return }
        self.apps[index].stopping = false
        self.apps[index].freshStart = true
        self.apps[index].expectedWebhooks += 1
        self.sendControl(#"{"type":"start_app","packageName":""#, self.packages[index], on: glasses)
    }

    /// Whether app `index` is stopped and its socket gone, ready for ``startApp(_:)``.
    func isStopped(_ index: Int) -> Bool {
        self.apps[index].stopping && self.apps[index].context == nil
    }

    /// Stops sending; what was sent still counts and is drained.
    func pause() {
        self.running = false
    }

    /// The user leaves: stops every app and closes the glasses' socket with 1000. Call after
    /// ``finish()``, so its counts are booked and closes are the bench's.
    func leave() {
        self.stopApps()
        guard let glasses = self.glassesContextForTeardown else { return }
        glasses.writeAndFlush(NIOAny(FrameWriter().close()), promise: nil)
    }

    private func sendControl(_ prefix: StaticString, _ package: String, on glasses: ChannelHandlerContext) {
        var buffer = glasses.channel.allocator.buffer(capacity: 64)
        buffer.writeStaticString(prefix)
        buffer.writeString(package)
        buffer.writeStaticString(#""}"#)
        self.controlWritten += 1
        glasses.writeAndFlush(NIOAny(FrameWriter().text(buffer)), promise: nil)
    }
}
