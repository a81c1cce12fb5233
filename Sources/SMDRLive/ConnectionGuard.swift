import Foundation
import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// The API's limits on its clients, so that no number or kind of client takes the descriptors
/// capture and the journal need, or holds one for ever.
public struct ConnectionLimits: Sendable {
    /// Connections held at once (see `ConnectionTable` for which one goes when full).
    public var maxConnections: Int
    /// A request's body must have arrived this long after its head (a client that trickles a body).
    public var requestSeconds: Double
    /// A response the client does not read for this long is closed (an event-stream client that
    /// stopped reading with its socket buffer full would otherwise hold the stream for ever).
    public var writeStallSeconds: Double

    /// `api.max_connections` when the configuration sets none.
    public static let defaultMaxConnections = 1000

    public init(maxConnections: Int = ConnectionLimits.defaultMaxConnections, requestSeconds: Double = 30, writeStallSeconds: Double = 30) {
        self.maxConnections = maxConnections
        self.requestSeconds = requestSeconds
        self.writeStallSeconds = writeStallSeconds
    }
}

/// The connections of one server and why some were closed, for `/metrics`.
public final class ConnectionRegistry: Sendable {
    public struct Counts: Sendable {
        public var open = 0
        /// Idle connections closed to make room for a new one.
        public var evicted = 0
        /// New connections closed because every connection was busy.
        public var refused = 0
        /// Closed because a request body or the client's reading stalled.
        public var timedOut = 0
    }

    let limits: ConnectionLimits
    private let state: Mutex<(table: ConnectionTable<any Channel>, counts: Counts)>

    public init(limits: ConnectionLimits) {
        self.limits = limits
        state = Mutex((ConnectionTable(capacity: limits.maxConnections), Counts()))
    }

    public var counts: Counts {
        state.withLock { s in
            var c = s.counts
            c.open = s.table.count
            return c
        }
    }

    /// False when the new connection must be closed.
    func open(_ id: ObjectIdentifier, _ channel: any Channel) -> Bool {
        let admission = state.withLock { s -> ConnectionTable<any Channel>.Admission in
            let a = s.table.open(id, channel)
            switch a {
            case .admit: break
            case .admitClosing: s.counts.evicted += 1
            case .refuse: s.counts.refused += 1
            }
            return a
        }
        switch admission {
        case .admit: return true
        case .admitClosing(let other):
            other.close(promise: nil)
            return true
        case .refuse: return false
        }
    }

    func busy(_ id: ObjectIdentifier) { state.withLock { $0.table.busy(id) } }
    func idle(_ id: ObjectIdentifier) { state.withLock { $0.table.idle(id) } }
    func close(_ id: ObjectIdentifier) { state.withLock { $0.table.close(id) } }
    func timedOut() { state.withLock { $0.counts.timedOut += 1 } }
}

/// One per connection, after the HTTP codec: registers the connection, marks it busy from a
/// request's head to its response's end, and closes it when its body or its reader stalls.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let registry: ConnectionRegistry
    private var registered = false
    private var bodyDeadline: Scheduled<Void>?
    private var stallDeadline: Scheduled<Void>?
    private var id: ObjectIdentifier { ObjectIdentifier(self) }

    init(registry: ConnectionRegistry) {
        self.registry = registry
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { register(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        register(context)
        context.fireChannelActive()
    }

    private func register(_ context: ChannelHandlerContext) {
        guard !registered else { return }
        registered = true
        if !registry.open(id, context.channel) { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        release()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        release()
    }

    private func release() {
        bodyDeadline?.cancel()
        stallDeadline?.cancel()
        bodyDeadline = nil
        stallDeadline = nil
        if registered { registry.close(id) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            registry.busy(id)
            bodyDeadline?.cancel()
            bodyDeadline = closing(context, after: registry.limits.requestSeconds)
        case .body:
            break
        case .end:
            bodyDeadline?.cancel()
            bodyDeadline = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { registry.idle(id) }
        context.write(data, promise: promise)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            stallDeadline?.cancel()
            stallDeadline = nil
        } else if stallDeadline == nil {
            stallDeadline = closing(context, after: registry.limits.writeStallSeconds)
        }
        context.fireChannelWritabilityChanged()
    }

    private func closing(_ context: ChannelHandlerContext, after seconds: Double) -> Scheduled<Void> {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        let registry = self.registry
        return context.eventLoop.scheduleTask(in: .milliseconds(Int64(seconds * 1000))) {
            registry.timedOut()
            loopBound.value.close(promise: nil)
        }
    }
}
