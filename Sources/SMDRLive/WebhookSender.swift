import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SMDRCore
import SMDRStore

/// A webhook endpoint from the config.
public struct WebhookEndpoint: Sendable {
    public var name: String
    public var url: String
    /// HMAC-SHA256 key for the `X-SMDR-Signature` header (nil: unsigned).
    public var secret: String?
    public var types: Set<String>?
    public var destinations: Set<String>?
    public var retry: Backoff
    /// After this long failing, a delivery is marked failed (an alert says so; admin can retry).
    public var giveUpAfterSeconds: Double
    public var timeoutSeconds: Double

    public init(
        name: String, url: String, secret: String?, types: Set<String>? = nil, destinations: Set<String>? = nil, retry: Backoff = Backoff(initial: 1, maximum: 300),
        giveUpAfterSeconds: Double = 72 * 3600, timeoutSeconds: Double = 10
    ) {
        self.name = name
        self.url = url
        self.secret = secret
        self.types = types
        self.destinations = destinations
        self.retry = retry
        self.giveUpAfterSeconds = giveUpAfterSeconds
        self.timeoutSeconds = timeoutSeconds
    }

    /// Whether this endpoint receives an event: its types (all when none are named), and for a
    /// recall its destinations (all when none are named).
    public func wants(type: String, destination: String?) -> Bool {
        if let types, !types.contains(type) { return false }
        if let destinations, type == "recall", !destinations.contains(destination ?? "") { return false }
        return true
    }

    /// The outboxes of these endpoints, for the store to fill in each event's transaction.
    public static func outboxes(_ endpoints: [WebhookEndpoint]) -> CallStore.OutboxRecipients {
        CallStore.OutboxRecipients { type, destination in endpoints.filter { $0.wants(type: type, destination: destination) }.map(\.name) }
    }

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`: the receiver recomputes it with
    /// the shared secret and rejects old timestamps (replay).
    public static func signature(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }
}

/// Delivers the webhook outbox: per endpoint, the oldest pending event first and nothing after it
/// until it is delivered (so a receiver gets everything in order), retried with backoff; each POST
/// carries the event id as `Idempotency-Key`, so a receiver that saw a delivery whose answer was
/// lost can drop the repeat.
public final class WebhookSender: @unchecked Sendable {
    let store: CallStore
    let endpoints: [WebhookEndpoint]
    let client: HTTPClient
    public let doorbell = Doorbell()
    let failures: @Sendable (String, String) -> Void
    let lock = NSLock()
    var sentCount = 0
    var failedCount = 0

    /// `failures(endpoint, message)` reports a delivery given up.
    public init(store: CallStore, endpoints: [WebhookEndpoint], failures: @escaping @Sendable (String, String) -> Void = { _, _ in }) {
        self.store = store
        self.endpoints = endpoints
        self.failures = failures
        client = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    public var counts: (sent: Int, failed: Int) {
        lock.withLock { (sentCount, failedCount) }
    }

    /// Runs until the task is cancelled: one loop per endpoint.
    public func run() async {
        let bells = endpoints.map { _ in Doorbell() }
        await withTaskGroup(of: Void.self) { group in
            for (e, bell) in zip(endpoints, bells) { group.addTask { await self.loop(e, bell) } }
            group.addTask {
                // Fan the shared doorbell out to each endpoint's own.
                while !Task.isCancelled {
                    await self.doorbell.wait(seconds: 1)
                    for b in bells { b.ring() }
                }
            }
        }
        try? await client.shutdown()
    }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func loop(_ e: WebhookEndpoint, _ bell: Doorbell) async {
        while !Task.isCancelled {
            guard let d = try? store.headDelivery(endpoint: e.name) else {
                await bell.wait(seconds: 1)
                continue
            }
            let now = WebhookSender.nowMillis()
            if d.nextAt > now {
                // Not due: sleep until it is (a new event cannot jump the queue anyway).
                try? await Task.sleep(nanoseconds: UInt64(d.nextAt - now) * 1_000_000)
                continue
            }
            let outcome = await post(e, d)
            if outcome == nil {
                try? store.markDelivered(d.id)
                lock.withLock { sentCount += 1 }
            } else {
                let error = outcome ?? "?"
                let age = Double(now / 1000 - d.event.at)
                let giveUp = age >= e.giveUpAfterSeconds
                let next = now + Int64(e.retry.delay(afterFailures: d.attempts + 1) * 1000)
                try? store.markAttemptFailed(d.id, nextAt: next, error: error, giveUp: giveUp)
                lock.withLock { failedCount += 1 }
                if giveUp { failures(e.name, "webhook \(e.name): event \(d.event.id) not delivered after \(Int(age)) s (\(error)); smdr-agent API POST /webhooks/retry resends") }
            }
        }
    }

    /// Nil when the receiver answered 2xx, else why not.
    func post(_ e: WebhookEndpoint, _ d: CallStore.Delivery) async -> String? {
        let body = Array(d.event.envelope.utf8)
        var request = HTTPClientRequest(url: e.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "smdr-agent")
        request.headers.add(name: "X-SMDR-Event", value: d.event.type)
        request.headers.add(name: "X-SMDR-Event-Id", value: String(d.event.id))
        request.headers.add(name: "X-SMDR-Delivery", value: String(d.id))
        request.headers.add(name: "X-SMDR-Attempt", value: String(d.attempts + 1))
        request.headers.add(name: "Idempotency-Key", value: "smdr-event-\(d.event.id)")
        if let secret = e.secret {
            request.headers.add(name: "X-SMDR-Signature", value: WebhookEndpoint.signature(secret: secret, timestamp: Int64(Date().timeIntervalSince1970), body: body))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(e.timeoutSeconds * 1000)))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(Int(response.status.code)) ? nil : "HTTP \(response.status.code)"
        } catch {
            return "\(error)"
        }
    }
}
