import Metrics
import NIOCore
import TurnoutCore

/// Bounds how long a connection may take to send a request head, and how long it may sit idle
/// between requests; near the front of the public pipeline, it sees raw bytes.
///
/// - **Head timeout**, armed at accept and at the first byte of each later request: when it fires
///   before the head is complete, the client gets a JSON 408 with `Connection: close` and the
///   connection closes.
/// - **Idle timeout**, armed at accept and whenever every request has been answered: when it
///   fires before the next request's first byte, the connection closes without a response.
///
/// Before the first request both run from accept; whichever is shorter decides. Both are
/// disarmed for good when the connection upgrades (``HTTPExchangeEvent/upgraded``), and the
/// handler is removed then, so an established WebSocket is never touched.
final class RequestTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = NIOAny
    typealias OutboundOut = NIOAny

    private enum State {
        /// No byte of the next request yet: the idle timer runs (and, before the first request,
        /// the head timer too).
        case waiting
        /// Part of a head has arrived: the head timer runs.
        case readingHead
        /// A request is being handled: no timer runs.
        case handling
        /// Upgraded or timed out: nothing runs again.
        case done
    }

    /// Which timer fired.
    private enum Timer {
        case head
        case idle
    }

    private let headTimeout: Duration
    private let idleTimeout: Duration
    private let now: @Sendable () -> Timestamp
    private var state = State.waiting
    private var headTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?

    /// - Parameters:
    ///   - headTimeout: ``PublicPortLimits/requestHeadTimeout``.
    ///   - idleTimeout: ``PublicPortLimits/idleTimeout``.
    ///   - now: The clock of the 408's timestamp.
    init(headTimeout: Duration, idleTimeout: Duration, now: @escaping @Sendable () -> Timestamp) {
        self.headTimeout = headTimeout
        self.idleTimeout = idleTimeout
        self.now = now
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { armAtAccept(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        armAtAccept(context: context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimers()
        state = .done
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimers()
        state = .done
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .waiting = state {
            state = .readingHead
            cancel(&idleTimer)
            if headTimer == nil { headTimer = schedule(.head, after: headTimeout, context: context) }
        }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .refused = event as? HTTPExchangeEvent {
            state = .done
            cancelTimers()
        }
        context.fireUserInboundEventTriggered(event)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        switch event as? HTTPExchangeEvent {
        case .headReceived:
            if case .done = state { break }
            state = .handling
            cancelTimers()
        case .idle:
            if case .handling = state {
                state = .waiting
                idleTimer = schedule(.idle, after: idleTimeout, context: context)
            }
        case .upgraded, .refused:
            state = .done
            cancelTimers()
        case nil:
            break
        }
        context.triggerUserOutboundEvent(event, promise: promise)
    }

    private func armAtAccept(context: ChannelHandlerContext) {
        guard case .waiting = state, headTimer == nil, idleTimer == nil else { return }
        headTimer = schedule(.head, after: headTimeout, context: context)
        idleTimer = schedule(.idle, after: idleTimeout, context: context)
    }

    private func headTimedOut(context: ChannelHandlerContext) {
        switch state {
        case .waiting, .readingHead: respondTimeout(context: context)
        case .handling, .done: break
        }
    }

    private func respondTimeout(context: ChannelHandlerContext) {
        state = .done
        cancelTimers()
        let refusal = UpgradeRefusal.requestTimeout(after: headTimeout, at: now())
        Counter(label: "turnout_upgrades_total", dimensions: [("result", refusal.reason.rawValue)]).increment()
        refusal.response.writeBytesAndClose(to: context)
    }

    private func idleTimedOut(context: ChannelHandlerContext) {
        guard case .waiting = state else { return }
        state = .done
        cancelTimers()
        context.close(promise: nil)
    }

    private func schedule(_ timer: Timer, after delay: Duration, context: ChannelHandlerContext) -> Scheduled<Void> {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        return context.eventLoop.scheduleTask(in: TimeAmount(delay)) {
            let (handler, context) = loopBound.value
            switch timer {
            case .head: handler.headTimedOut(context: context)
            case .idle: handler.idleTimedOut(context: context)
            }
        }
    }

    private func cancelTimers() {
        cancel(&headTimer)
        cancel(&idleTimer)
    }

    private func cancel(_ timer: inout Scheduled<Void>?) {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension RequestTimeoutHandler: Sendable {}
