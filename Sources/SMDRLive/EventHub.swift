import Foundation
import SMDRStore

/// Fans stored events out to the event-stream clients. The ingester rings it after a commit; it
/// reads what is new from the store (events are numbered there, so a client resumes from any id)
/// and hands each client its copy through a bounded buffer. A client that lets its buffer fill is
/// cut off, never waited for: capture does not slow down for a slow reader.
public final class EventHub: @unchecked Sendable {
    public struct Filter: Sendable {
        public var types: Set<String>?
        public var destination: String?
        public init(types: Set<String>? = nil, destination: String? = nil) {
            self.types = types
            self.destination = destination
        }
        public func wants(_ e: CallStore.StoredEvent) -> Bool {
            if let types, !types.contains(e.type) { return false }
            if let destination, e.type == "recall", e.destination != destination { return false }
            return true
        }
    }

    final class Client: @unchecked Sendable {
        let filter: Filter
        let continuation: AsyncStream<CallStore.StoredEvent>.Continuation
        private let lock = NSLock()
        private var _cutOff = false
        /// The client fell `bufferLimit` events behind: its stream ends now, without the events
        /// still buffered for it (it resumes from its last id when it reconnects).
        var isCutOff: Bool { lock.withLock { _cutOff } }
        func cut() { lock.withLock { _cutOff = true } }
        init(filter: Filter, continuation: AsyncStream<CallStore.StoredEvent>.Continuation) {
            self.filter = filter
            self.continuation = continuation
        }
    }

    /// One client's live feed, and whether it has been cut off.
    public struct Subscription: Sendable {
        public let events: AsyncStream<CallStore.StoredEvent>
        let client: Client
        public var isCutOff: Bool { client.isCutOff }
    }

    let store: CallStore
    let lock = NSLock()
    var clients: [ObjectIdentifier: Client] = [:]
    var published: Int64
    let queue = DispatchQueue(label: "smdr-agent.event-hub")
    var scheduled = false
    /// Events a client may have waiting before it is cut off.
    public let bufferLimit: Int
    public private(set) var cutOff = 0

    public init(store: CallStore, bufferLimit: Int = 1024) throws {
        self.store = store
        self.bufferLimit = bufferLimit
        published = try store.lastEventID()
    }

    public var clientCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return clients.count
    }

    /// New events were committed: publish them (coalesced, off the caller's thread).
    public func notify() {
        lock.lock()
        if scheduled {
            lock.unlock()
            return
        }
        scheduled = true
        lock.unlock()
        queue.async { self.publish() }
    }

    func publish() {
        lock.lock()
        scheduled = false
        lock.unlock()
        while true {
            guard let events = try? store.events(after: published, limit: 1000), !events.isEmpty else { return }
            published = events.last!.id
            lock.lock()
            let targets = Array(clients.values)
            lock.unlock()
            for c in targets {
                for e in events where c.filter.wants(e) {
                    if case .dropped = c.continuation.yield(e) {
                        c.cut()
                        c.continuation.finish()
                        lock.lock()
                        cutOff += 1
                        lock.unlock()
                        break
                    }
                }
            }
        }
    }

    /// A keep-alive for every client (id 0, type `heartbeat`): a dead connection is noticed and
    /// closed at the next write.
    public func heartbeat() {
        lock.lock()
        let targets = Array(clients.values)
        lock.unlock()
        for c in targets { _ = c.continuation.yield(CallStore.StoredEvent(id: 0, type: "heartbeat", at: 0, destination: nil, json: "{}")) }
    }

    /// Ends every client's stream (the server is stopping: their requests complete).
    public func finishAll() {
        lock.lock()
        let targets = Array(clients.values)
        lock.unlock()
        for c in targets { c.continuation.finish() }
    }

    /// A live feed of events from now on. Subscribe before reading the backlog from the store, then
    /// skip ids already sent: nothing falls between the two.
    public func subscribe(_ filter: Filter) -> Subscription {
        let (stream, continuation) = AsyncStream<CallStore.StoredEvent>.makeStream(bufferingPolicy: .bufferingOldest(bufferLimit))
        let client = Client(filter: filter, continuation: continuation)
        let id = ObjectIdentifier(client)
        lock.lock()
        clients[id] = client
        lock.unlock()
        continuation.onTermination = { [weak self] _ in
            guard let self else { return }
            self.lock.lock()
            self.clients[id] = nil
            self.lock.unlock()
        }
        return Subscription(events: stream, client: client)
    }
}
