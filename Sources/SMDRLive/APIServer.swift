import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import SMDRCalls
import SMDRConcurrency
import SMDRPrepaid
import SMDRRating
import SMDRStore
import ServiceLifecycle

/// A source's state for `/health` and `/metrics`.
public struct SourceStatus: Sendable {
    public var id: String
    public var link: String
    public var bytes: Int64
    public var secondsSinceLastByte: Double
    /// Journal bytes received but not yet stored.
    public var lagBytes: Int64
    public init(id: String, link: String, bytes: Int64, secondsSinceLastByte: Double, lagBytes: Int64) {
        self.id = id
        self.link = link
        self.bytes = bytes
        self.secondsSinceLastByte = secondsSinceLastByte
        self.lagBytes = lagBytes
    }
}

/// The agent's HTTP API (Hummingbird): health, calls with their legs and rating, recall requests,
/// stations and their duration limits, Prometheus metrics, and the event stream.
///
/// | route | role |
/// |---|---|
/// | `GET /health`, `/calls`, `/calls/{id}`, `/stations`, `/stations/{ext}`, `/recalls`, `/metrics`, `/events` | read |
/// | `GET /accounts`, `/accounts/{id}`, `/accounts/{id}/statement` | read |
/// | `POST /recalls`, `DELETE /recalls/{id}`, `POST /calls/{id}/ticket` | operate |
/// | `POST /authorize`, `DELETE /authorizations/{id}` | operate |
/// | `POST /webhooks/retry`, `POST /accounts/{id}/topups` | admin |
public final class APIServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        public var tokens: [String: APIAccess.Role]
        /// A connection with no request in progress for this long is closed (a client that connects
        /// and says nothing, or trickles its headers, holds no descriptor for ever). An event stream
        /// in progress is not idle.
        public var idleTimeoutSeconds: Double
        public var limits: ConnectionLimits
        public init(
            host: String = "127.0.0.1", port: Int = 8080, tokens: [String: APIAccess.Role] = [:], idleTimeoutSeconds: Double = 30,
            limits: ConnectionLimits = .init()
        ) {
            self.host = host
            self.port = port
            self.tokens = tokens
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.limits = limits
        }
    }

    let configuration: Configuration
    let access: APIAccess
    let store: CallStore
    public let hub: EventHub
    let stations: [String: StationSettings]
    let limits: DurationLimits
    let status: @Sendable () -> [SourceStatus]
    let webhooks: WebhookSender?
    let ticket: (@Sendable (Int64) throws -> CallStore.PrintJob?)?
    let prepaid: (any PrepaidOperations)?
    public let metrics = APIMetrics()
    public let connections: ConnectionRegistry
    public var host: String { configuration.host }
    var task: Task<Void, any Error>?
    var group: ServiceGroup?
    /// The API's own thread: requests are served even when the shared concurrency pool is busy
    /// (two cores, blocking work elsewhere), and an accepted connection is never left waiting.
    /// One per process and never released: NIO may still hand it a job after a server stopped.
    static let executor = SingleThreadExecutor(name: "smdr-api")

    public init(
        configuration: Configuration, store: CallStore, hub: EventHub, stations: [String: StationSettings], defaultLimit: Int?,
        status: @escaping @Sendable () -> [SourceStatus], webhooks: WebhookSender? = nil, ticket: (@Sendable (Int64) throws -> CallStore.PrintJob?)? = nil,
        prepaid: (any PrepaidOperations)? = nil
    ) throws {
        access = APIAccess(tokens: configuration.tokens, host: configuration.host)
        guard access.loopbackOnly || !configuration.tokens.isEmpty else {
            throw APIError("api.listen \(configuration.host) is beyond loopback: configure api.tokens first (every request then needs one)")
        }
        self.configuration = configuration
        connections = ConnectionRegistry(limits: configuration.limits)
        self.store = store
        self.hub = hub
        self.stations = stations
        limits = DurationLimits(stations: stations, defaultLimit: defaultLimit)
        self.status = status
        self.webhooks = webhooks
        self.ticket = ticket
        self.prepaid = prepaid
    }

    /// Starts listening; returns the bound port (useful with port 0).
    public func start() async throws -> Int {
        let router = Router()
        router.add(middleware: LatencyMiddleware(metrics: metrics))
        routes(router)
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "smdr-agent.api")
        logger.logLevel = .warning
        let connections = self.connections
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ConnectionGuard(registry: connections)],
            idleTimeout: .milliseconds(Int64(configuration.idleTimeoutSeconds * 1000)))
        let app = Application(
            router: router, server: .http1(configuration: http1),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "smdr-agent"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            }, logger: logger)
        let hub = self.hub
        // The server runs in a service group of its own, stopped by ``stop()`` with a graceful
        // shutdown (open requests finish); detached, so the agent's own group does not stop it
        // behind ``stop()``'s back.
        let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        self.group = group
        task = Task.detached(executorPreference: APIServer.executor) {
            let beat = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 15_000_000_000)
                    hub.heartbeat()
                }
            }
            defer {
                beat.cancel()
                // A server that could not start (address in use) ends the wait for its port.
                portContinuation.finish()
            }
            try await group.run()
        }
        for await port in portStream { return port }
        if let task { try await task.value }
        throw APIError("the API server did not start")
    }

    /// Ends the event streams (so their requests complete), then stops the server.
    /// A connection that does not close (a client that stopped reading) delays it 2 s at most.
    public func stop() async {
        hub.finishAll()
        guard let task else { return }
        await group?.triggerGracefulShutdown()
        await withTaskGroup(of: Void.self) { waiting in
            waiting.addTask { _ = try? await task.value }
            waiting.addTask { try? await Task.sleep(nanoseconds: 2_000_000_000) }
            await waiting.next()
            waiting.cancelAll()
        }
        // Past the grace period (a client that stopped reading), the server is cancelled.
        task.cancel()
        _ = try? await task.value
    }

    // MARK: Routes

    func routes(_ router: Router<BasicRequestContext>) {
        router.get("/health") { request, _ in
            try self.check(request, .read)
            let sources = self.status()
            let up = sources.allSatisfy { $0.link == "connected" }
            let list = sources.map { "{\"id\":\(APIServer.quote($0.id)),\"link\":\"\($0.link)\",\"bytes\":\($0.bytes),\"lag_bytes\":\($0.lagBytes)}" }
            return APIServer.json("{\"status\":\"\(up ? "ok" : "degraded")\",\"sources\":[\(list.joined(separator: ","))]}")
        }
        router.get("/calls") { request, _ in
            try self.check(request, .read)
            let q = request.uri.queryParameters
            let limit = min(max(Int(q.get("limit") ?? "") ?? 100, 1), 1000)
            var f = CallStore.CallFilter(limit: limit + 1)
            f.fromUTC = try q.get("from").map { try APIServer.epoch($0, "from") }
            f.toUTC = try q.get("to").map { try APIServer.epoch($0, "to") }
            f.extension_ = q.get("extension")
            f.account = q.get("account")
            f.direction = q.get("direction")
            if let d = f.direction, !["incoming", "outgoing", "internal"].contains(d) { throw APIError.bad("direction: incoming, outgoing or internal") }
            if let c = q.get("cursor") {
                guard let v = Int64(c) else { throw APIError.bad("cursor: the `next` value of the previous page") }
                f.after = v
            }
            var rows = try self.store.apiCalls(f)
            let more = rows.count > limit
            if more { rows.removeLast() }
            let next = more ? rows.last.map { "\"\($0.row)\"" } ?? "null" : "null"
            return APIServer.json("{\"calls\":[\(rows.map(APIServer.callJSON).joined(separator: ","))],\"next\":\(next)}")
        }
        router.get("/calls/:id") { request, context in
            try self.check(request, .read)
            let id = context.parameters.get("id") ?? ""
            var legs: [CallStore.APICall]
            var this: CallStore.APICall?
            if let row = Int64(id) {
                guard let found = try self.store.apiCall(row: row) else { throw HTTPError(.notFound, message: "no call \(id)") }
                this = found.call
                legs = found.legs
            } else {
                legs = try self.store.apiCallRows(key: id)
                guard !legs.isEmpty else { throw HTTPError(.notFound, message: "no call \(id)") }
            }
            let key = (this ?? legs.first)?.callKey
            let record = this.map(APIServer.callJSON) ?? "null"
            return APIServer.json("{\"call_key\":\(key.map(APIServer.quote) ?? "null"),\"record\":\(record),\"legs\":[\(legs.map(APIServer.callJSON).joined(separator: ","))]}")
        }
        router.post("/calls/:id/ticket") { request, context in
            try self.check(request, .operate)
            guard let ticket = self.ticket else { throw HTTPError(.conflict, message: "no ticket printer configured (tickets.printer)") }
            guard let row = context.parameters.get("id").flatMap({ Int64($0) }) else { throw APIError.bad("id: a call's numeric id") }
            guard let job = try ticket(row) else { throw HTTPError(.notFound, message: "no call \(row)") }
            return APIServer.json("{\"ticket\":\(job.ticketNumber),\"job\":\(job.id),\"queue\":\(APIServer.quote(job.queue)),\"copy\":\(job.copy)}", status: .created)
        }
        router.get("/recalls") { request, _ in
            try self.check(request, .read)
            let all = request.uri.queryParameters.get("all") == "true"
            return APIServer.json("{\"requests\":[\(try self.store.recallRequests(pendingOnly: !all).map(APIServer.requestJSON).joined(separator: ","))]}")
        }
        router.post("/recalls") { request, context in
            try self.check(request, .operate)
            var request = request
            let body = try await request.collectBody(upTo: 16 * 1024)
            struct Body: Decodable {
                var station: String
                var destination: String?
                var requested_by: String?
            }
            let b: Body
            do { b = try JSONDecoder().decode(Body.self, from: Data(buffer: body)) } catch {
                throw APIError.bad("expected {\"station\": \"201\", \"destination\": \"reception\"}: \(error)")
            }
            guard !b.station.isEmpty, b.station.count <= 32 else { throw APIError.bad("station: an extension") }
            let destination = b.destination ?? b.requested_by ?? self.stations[b.station]?.recallTo ?? b.station
            let r = try self.store.addRecallRequest(station: b.station, destination: destination, requestedBy: b.requested_by)
            return APIServer.json(APIServer.requestJSON(r), status: .created)
        }
        router.delete("/recalls/:id") { request, context in
            try self.check(request, .operate)
            guard let id = context.parameters.get("id").flatMap({ Int64($0) }) else { throw APIError.bad("id: a request id") }
            guard try self.store.cancelRecallRequest(id: id) else { throw HTTPError(.notFound, message: "no pending request \(id)") }
            return Response(status: .noContent)
        }
        router.get("/stations") { request, _ in
            try self.check(request, .read)
            return APIServer.json("{\"stations\":[\(self.stations.keys.sorted().map(self.stationJSON).joined(separator: ","))]}")
        }
        router.get("/stations/:ext") { request, context in
            try self.check(request, .read)
            return APIServer.json(self.stationJSON(context.parameters.get("ext") ?? ""))
        }
        router.post("/webhooks/retry") { request, _ in
            try self.check(request, .admin)
            let n = try self.store.retryDeliveries(endpoint: request.uri.queryParameters.get("endpoint"))
            self.webhooks?.doorbell.ring()
            return APIServer.json("{\"rescheduled\":\(n)}")
        }
        prepaidRoutes(router)
        router.get("/metrics") { request, _ in
            try self.check(request, .read)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: try self.prometheus())))
        }
        router.get("/events") { request, _ in
            try self.check(request, .read)
            return try self.eventStream(request)
        }
    }

    func check(_ request: Request, _ role: APIAccess.Role) throws {
        switch access.decide(authorization: request.headers[.authorization], need: role) {
        case .allowed: return
        case .unauthenticated:
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "a bearer token with the \(role.name) role is needed")
        case .forbidden: throw HTTPError(.forbidden, message: "this token's role cannot do this (needs \(role.name))")
        }
    }

    // MARK: Event stream

    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// `text/event-stream`: the backlog after `Last-Event-ID` (or `?since=`) from the store, then
    /// live events; `id:` on each so a client resumes where it left off.
    func eventStream(_ request: Request) throws -> Response {
        let q = request.uri.queryParameters
        let header = request.headers[APIServer.lastEventID] ?? q.get("since")
        let start: Int64
        if let header {
            guard let v = Int64(header) else { throw APIError.bad("Last-Event-ID: an event id") }
            start = v
        } else {
            start = try store.lastEventID()  // a new client: from now on
        }
        let types = q.get("types").map { Set($0.split(separator: ",").map(String.init)) }
        let filter = EventHub.Filter(types: types, destination: q.get("destination"))
        // Subscribe first, then read the backlog: an event committed in between is in one or the other.
        let live = hub.subscribe(filter)
        let store = self.store
        return Response(
            status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                var after = start
                try await writer.write(ByteBuffer(string: "retry: 2000\n: smdr-agent events\n\n"))
                while true {
                    let page = try store.events(after: after, limit: 500)
                    guard let last = page.last else { break }
                    var text = ""
                    for e in page where filter.wants(e) { text += APIServer.frame(e) }
                    if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                    after = last.id
                }
                for await e in live.events {
                    if live.isCutOff {
                        // Fell too far behind: end the stream now (not after the buffered events),
                        // saying why, so the client reconnects with Last-Event-ID.
                        try await writer.write(
                            ByteBuffer(string: ": cut off: this client fell \(self.hub.bufferLimit) events behind; reconnect with Last-Event-ID \(after)\n\n"))
                        break
                    }
                    if e.id == 0 {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        continue
                    }
                    guard e.id > after else { continue }
                    after = e.id
                    try await writer.write(ByteBuffer(string: APIServer.frame(e)))
                }
                try await writer.finish(nil)
            })
    }

    public static func frame(_ e: CallStore.StoredEvent) -> String { "id: \(e.id)\nevent: \(e.type)\ndata: \(e.envelope)\n\n" }

    // MARK: Rendering

    func stationJSON(_ ext: String) -> String {
        let s = stations[ext]
        let limit = limits.limit(for: ext)
        return "{\"extension\":\(APIServer.quote(ext)),\"name\":\(s?.name.map(APIServer.quote) ?? "null"),\"monitoring\":\(s?.monitoring ?? false),"
            + "\"recall_to\":\(s?.recallTo.map(APIServer.quote) ?? "null"),\"print_on_recall\":\(s?.printOnRecall ?? false),"
            + "\"group\":\(s?.group.map(APIServer.quote) ?? "null"),\"max_duration_s\":\(limit.map(String.init) ?? "null"),\"warn_before_s\":\(limits.warnBefore),"
            + "\"configured\":\(s != nil)}"
    }

    static func callJSON(_ c: CallStore.APICall) -> String {
        "{\"id\":\(c.row),\"call_key\":\(c.callKey.map(quote) ?? "null"),\"leg_role\":\(c.role.map(quote) ?? "null"),\"leg_party\":\(c.party.map(quote) ?? "null"),"
            + "\"allowed_end_utc\":\(c.allowedEndUTC.map(String.init) ?? "null"),\"exceeded_s\":\(c.exceededSeconds.map(String.init) ?? "null"),\"record\":\(c.json)}"
    }

    static func requestJSON(_ r: CallStore.RecallRequest) -> String {
        "{\"id\":\(r.id),\"station\":\(quote(r.station)),\"destination\":\(quote(r.destination)),\"requested_by\":\(r.requestedBy.map(quote) ?? "null"),"
            + "\"requested_at\":\(r.requestedAt),\"state\":\"\(r.state)\",\"event_id\":\(r.eventID.map(String.init) ?? "null")}"
    }

    static func quote(_ s: String) -> String { "\"\(CallStore.escape(s))\"" }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `2026-11-04`, `2026-11-04T09:00:00Z` or epoch seconds.
    static func epoch(_ s: String, _ name: String) throws -> Int64 {
        if let v = Int64(s) { return v }
        let f = ISO8601DateFormatter()
        if let d = f.date(from: s) { return Int64(d.timeIntervalSince1970) }
        f.formatOptions = [.withFullDate]
        if let d = f.date(from: s) { return Int64(d.timeIntervalSince1970) }
        throw APIError.bad("\(name): a date (2026-11-04), an ISO 8601 time or epoch seconds")
    }

    func prometheus() throws -> String {
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ lines: [String]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" + lines.map { $0 + "\n" }.joined()
        }
        let sources = status()
        metric("smdr_records_total", "counter", "Call records stored.", ["smdr_records_total \(try store.callCount())"])
        metric("smdr_rejects_total", "counter", "Lines quarantined.", ["smdr_rejects_total \(try store.quarantined(includeResolved: true).count)"])
        metric("smdr_source_up", "gauge", "1 when the source's link is connected.", sources.map { "smdr_source_up{source=\(APIServer.quote($0.id))} \($0.link == "connected" ? 1 : 0)" })
        metric("smdr_source_bytes_total", "counter", "Bytes received per source.", sources.map { "smdr_source_bytes_total{source=\(APIServer.quote($0.id))} \($0.bytes)" })
        metric("smdr_ingest_lag_bytes", "gauge", "Journal bytes received but not yet stored.", sources.map { "smdr_ingest_lag_bytes{source=\(APIServer.quote($0.id))} \($0.lagBytes)" })
        metric("smdr_source_silence_seconds", "gauge", "Seconds since the last byte.", sources.map { "smdr_source_silence_seconds{source=\(APIServer.quote($0.id))} \(Int($0.secondsSinceLastByte))" })
        let pending = try store.pendingDeliveries()
        metric("smdr_webhooks_pending", "gauge", "Webhook deliveries waiting.", pending.isEmpty ? ["smdr_webhooks_pending 0"] : pending.sorted { $0.key < $1.key }.map { "smdr_webhooks_pending{endpoint=\(APIServer.quote($0.key))} \($0.value)" })
        if let webhooks {
            let c = webhooks.counts
            metric("smdr_webhook_posts_total", "counter", "Webhook POSTs by outcome.", ["smdr_webhook_posts_total{outcome=\"delivered\"} \(c.sent)", "smdr_webhook_posts_total{outcome=\"failed\"} \(c.failed)"])
        }
        metric("smdr_event_stream_clients", "gauge", "Connected event-stream clients.", ["smdr_event_stream_clients \(hub.clientCount)"])
        metric("smdr_event_stream_cut_off_total", "counter", "Slow event-stream clients cut off.", ["smdr_event_stream_cut_off_total \(hub.cutOff)"])
        let c = connections.counts
        metric("smdr_api_connections", "gauge", "Open API connections (at most api.max_connections).", ["smdr_api_connections \(c.open)"])
        metric(
            "smdr_api_connections_closed_total", "counter", "API connections closed by the server to keep its limits.",
            ["smdr_api_connections_closed_total{reason=\"evicted_idle\"} \(c.evicted)", "smdr_api_connections_closed_total{reason=\"refused_busy\"} \(c.refused)",
             "smdr_api_connections_closed_total{reason=\"stalled\"} \(c.timedOut)"])
        return out + metrics.exposition()
    }
}

/// Measures every request but the event stream (which lasts as long as its client).
struct LatencyMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let metrics: APIMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        let path = request.uri.path
        defer {
            if path != "/events" {
                let route = APIServer.routeLabel(path)
                metrics.observe(route: route, seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        return try await next(request, context)
    }
}

extension APIServer {
    /// A path as its route (ids folded), for the latency histograms.
    static func routeLabel(_ path: String) -> String {
        let parts = path.split(separator: "/")
        guard parts.count >= 2 else { return path }
        let names = ["calls": "{id}", "stations": "{ext}", "recalls": "{id}", "accounts": "{id}", "authorizations": "{id}"]
        guard let name = names[String(parts[0])] else { return path }
        return "/" + ([String(parts[0]), name] + parts.dropFirst(2).map(String.init)).joined(separator: "/")
    }
}

public struct APIError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
    static func bad(_ message: String) -> HTTPError { HTTPError(.badRequest, message: message) }
}
