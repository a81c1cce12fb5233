import Foundation
import SMDRCalls
import SMDRCore
import SMDRDevices
import SMDRLive
import SMDRRating
import SMDRRuntime
import SMDRStore
import SMDRTickets

/// How a ticket is made from a call, when a printer is configured (automatic, on recall, on
/// `POST /calls/{id}/ticket`).
struct TicketMaker: Sendable {
    var queue: String
    var kind: TicketLayout.Kind
    var layout: TicketLayout
    var company: String
    var book: AccountBook?

    /// `setUpBy`: who set the call up or transferred it, when another party did (`201 Marie`).
    func request(_ r: CallRecord, rating: Rating, setUpBy: String? = nil) -> CallStore.TicketRequest {
        let account = book?.account(r.accountCode)
        return request(setUpBy: setUpBy) { number, copy in TicketContent(call: r, rating: rating, account: account, company: self.company, number: number, copy: copy) }
    }

    /// A ticket printed on recall, from the leg's charge as it was stored.
    func request(_ r: CallRecord, charge: LegCharge?, setUpBy: String? = nil) -> CallStore.TicketRequest {
        let account = book?.account(r.accountCode)
        return request(setUpBy: setUpBy) { number, copy in
            TicketContent(call: r, charge: charge, account: account, company: self.company, number: number, copy: copy)
        }
    }

    private func request(setUpBy: String?, content: @escaping @Sendable (Int, Bool) -> TicketContent) -> CallStore.TicketRequest {
        CallStore.TicketRequest(queue: queue, layout: kind.rawValue, raw: kind == .receipt) { number, copy in
            var c = content(number, copy)
            if let setUpBy { c.transferredBy = setUpBy }
            return self.layout.render(c)
        }
    }

    /// A (re)print of a stored call, queued; nil when no such call.
    func reprint(row: Int64, store: CallStore) throws -> CallStore.PrintJob? {
        guard let stored = try store.ratedRow(String(row)) else { return nil }
        return try store.enqueueTicket(callRow: stored.row, queue: queue, layout: kind.rawValue, raw: kind == .receipt) { number, copy in
            let content = TicketContent(stored: stored, book: self.book, company: self.company, number: number, copy: copy)
            return self.kind == .listing ? self.layout.listing([content], company: self.company) : self.layout.render(content)
        }
    }
}

/// The live side of `run`: call desk settings for the ingester, the event hub, the webhook sender
/// and the API server.
final class LiveWiring: @unchecked Sendable {
    let hub: EventHub
    let sender: WebhookSender?
    let server: APIServer?
    var senderTask: Task<Void, Never>?

    init(agent: Agent, config: AgentConfig?, apiListen: String?, apiConnections: Int, rater: Rater?, book: AccountBook?, tickets: TicketMaker?, prepaid: PrepaidDesk? = nil) throws {
        let store = agent.store
        let endpoints = (config?.webhooks ?? []).map { w in
            WebhookEndpoint(
                name: w.name, url: w.url, secret: w.secret, types: w.events.map(Set.init), destinations: w.destinations.map(Set.init),
                retry: Backoff(initial: w.retry_initial ?? 1, maximum: w.retry_max ?? 300), giveUpAfterSeconds: w.give_up_after ?? 72 * 3600,
                timeoutSeconds: w.timeout ?? 10)
        }
        store.outboxes = WebhookEndpoint.outboxes(endpoints)
        hub = try EventHub(store: store)
        let sender = endpoints.isEmpty ? nil : WebhookSender(store: store, endpoints: endpoints) { endpoint, message in
            Log.warning("ALARM webhook: \(message)")
            try? store.raiseAlarm(source: nil, kind: "webhook", message: message)
        }
        self.sender = sender
        let stations = config?.stations ?? [:]
        let hub = self.hub
        prepaid?.onEvents = {
            hub.notify()
            sender?.doorbell.ring()
        }
        var recallTicket: (@Sendable (CostRecall, CallRecord, LegCharge?) -> CallStore.TicketRequest?)?
        if let t = tickets {
            // The leg's charge as rated when its record was stored: not rated again.
            recallTicket = { recall, r, charge in
                let setUp = recall.setUpBy.flatMap { party in party == r.extension_ ? nil : CallDesk.SetUpParty(party: party, name: recall.setUpByName) }
                return t.request(r, charge: charge, setUpBy: setUp?.label)
            }
        }
        agent.runLive(
            LiveSettings(
                stations: stations, alertRules: config?.alerts ?? [], defaultLimit: config?.calls?.default_max_duration,
                quietSeconds: config?.calls?.quiet_seconds ?? [:],
                charge: { r, g in LiveSettings.charge(g, maskDigits: book?.account(r.accountCode)?.maskDigits ?? 0) },
                recallTicket: recallTicket,
                onEvents: {
                    hub.notify()
                    sender?.doorbell.ring()
                }))
        let listen = apiListen ?? config?.api?.listen
        if let listen {
            // Port 0: any free port (tests); the log says which.
            guard let (host, port) = AgentConfig.hostPort(listen, anyPort: true) else { throw AgentError("api listen: expected HOST:PORT, got \(listen)") }
            var tokens: [String: APIAccess.Role] = [:]
            for t in config?.api?.tokens ?? [] { tokens[t.token] = APIAccess.Role(name: t.role) }
            let configuration = APIServer.Configuration(host: host, port: port, tokens: tokens, limits: ConnectionLimits(maxConnections: apiConnections))
            let status: @Sendable () -> [SourceStatus] = {
                agent.sourceStatus().map { SourceStatus(id: $0.id, link: $0.link, bytes: $0.bytes, secondsSinceLastByte: $0.silence, lagBytes: $0.lag) }
            }
            var reprint: (@Sendable (Int64) throws -> CallStore.PrintJob?)?
            if let t = tickets { reprint = { row in try t.reprint(row: row, store: store) } }
            server = try APIServer(
                configuration: configuration, store: store, hub: hub, stations: stations, defaultLimit: config?.calls?.default_max_duration,
                status: status, webhooks: sender, ticket: reprint, prepaid: prepaid)
        } else {
            server = nil
        }
    }

    /// Starts the webhook sender and the API; logs the API's address.
    func start() async throws {
        if let sender { senderTask = Task.detached { await sender.run() } }
        if let server {
            let port = try await server.start()
            Log.info("API listening on \(server.host):\(port) (GET /health, /calls, /events …)")
        }
    }

    func stop() async {
        senderTask?.cancel()
        if let server { await server.stop() }
        if let senderTask { await senderTask.value }
    }
}
