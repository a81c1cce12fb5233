import Foundation
import GRDB

/// The live side of the store (migration v4-live):
///
/// - `calls.call_key`, `leg_role`, `leg_party`, `allowed_end_utc`, `exceeded_s`: the call a record
///   is a leg of, and its duration-limit verdict.
/// - `events`: every `call`, `recall`, `alert` and `source` event, numbered; the event stream
///   resumes from an id (`Last-Event-ID`) and webhooks deliver from it.
/// - `webhook_outbox`: one row per event and webhook endpoint, written in the same transaction as
///   the event: a receiver down for an hour gets everything, once each, in order.
/// - `recall_requests`: manual "recall me for the next external call of station X" requests.
extension CallStore {
    static func migrateLive(_ db: Database) throws {
        for column in ["call_key TEXT", "leg_role TEXT", "leg_party TEXT", "allowed_end_utc INTEGER", "exceeded_s INTEGER"] {
            try db.execute(sql: "ALTER TABLE calls ADD COLUMN \(column)")
        }
        try db.execute(
            sql: """
                CREATE INDEX calls_key ON calls (call_key);
                CREATE TABLE events (
                    -- AUTOINCREMENT: an id is never reused after pruning, so Last-Event-ID stays meaningful.
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    type TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    destination TEXT,
                    json TEXT NOT NULL
                ) STRICT;
                CREATE TABLE webhook_outbox (
                    id INTEGER PRIMARY KEY,
                    event_id INTEGER NOT NULL REFERENCES events(id),
                    endpoint TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_at INTEGER NOT NULL, -- epoch milliseconds
                    last_error TEXT,
                    delivered_at INTEGER,
                    UNIQUE (event_id, endpoint)
                ) STRICT;
                CREATE INDEX webhook_outbox_pending ON webhook_outbox (endpoint, state, id);
                CREATE TABLE recall_requests (
                    id INTEGER PRIMARY KEY,
                    station TEXT NOT NULL,
                    destination TEXT NOT NULL,
                    requested_by TEXT,
                    requested_at INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    event_id INTEGER
                ) STRICT;
                """)
    }

    /// Which outboxes an event of a type (and a recall's destination) goes to. The store applies
    /// it, the live side says what it is: the store knows tables, not webhook rules.
    public struct OutboxRecipients: Sendable {
        public let names: @Sendable (_ type: String, _ destination: String?) -> [String]
        public init(_ names: @escaping @Sendable (_ type: String, _ destination: String?) -> [String]) { self.names = names }
        public static let none = OutboxRecipients { _, _ in [] }
    }

    public struct LegPlacement: Sendable {
        public var offset: Int64
        public var callKey: String
        public var role: String
        public var party: String?
        public var allowedEndUTC: Int64?
        public var exceededSeconds: Int?
        public init(offset: Int64, callKey: String, role: String, party: String?, allowedEndUTC: Int64?, exceededSeconds: Int?) {
            self.offset = offset
            self.callKey = callKey
            self.role = role
            self.party = party
            self.allowedEndUTC = allowedEndUTC
            self.exceededSeconds = exceededSeconds
        }
    }

    public struct NewEvent: Sendable {
        public var type: String
        public var destination: String?
        public var json: String
        public init(type: String, destination: String?, json: String) {
            self.type = type
            self.destination = destination
            self.json = json
        }
    }

    /// What the live side adds to a batch: legs placed in calls, events, fulfilled requests and
    /// recall tickets (by the journal offset of the leg they are about).
    public struct LiveBatch: Sendable {
        public var placements: [LegPlacement]
        public var events: [NewEvent]
        public var fulfilledRequests: [Int64]
        public var recallTickets: [(offset: Int64, request: TicketRequest)]
        public init(placements: [LegPlacement] = [], events: [NewEvent] = [], fulfilledRequests: [Int64] = [], recallTickets: [(offset: Int64, request: TicketRequest)] = []) {
            self.placements = placements
            self.events = events
            self.fulfilledRequests = fulfilledRequests
            self.recallTickets = recallTickets
        }
        public var isEmpty: Bool { placements.isEmpty && events.isEmpty && fulfilledRequests.isEmpty && recallTickets.isEmpty }
    }

    public struct StoredEvent: Sendable, Equatable {
        public var id: Int64
        public var type: String
        public var at: Int64
        public var destination: String?
        public var json: String

        public init(id: Int64, type: String, at: Int64, destination: String?, json: String) {
            self.id = id
            self.type = type
            self.at = at
            self.destination = destination
            self.json = json
        }

        /// `{"id":…,"type":…,"at":…,"destination":…,"data":{…}}`: the webhook body and SSE data.
        public var envelope: String {
            let dest = destination.map { "\"\(CallStore.escape($0))\"" } ?? "null"
            return "{\"id\":\(id),\"type\":\"\(type)\",\"at\":\(at),\"destination\":\(dest),\"data\":\(json)}"
        }
    }

    public static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(c.value, radix: 16).count) + String(c.value, radix: 16)
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// Writes the live side of a batch inside the caller's transaction.
    static func writeLive(_ db: Database, source: String, live: LiveBatch, routes: OutboxRecipients) throws {
        let place = try db.cachedStatement(
            sql: "UPDATE calls SET call_key = ?, leg_role = ?, leg_party = ?, allowed_end_utc = ?, exceeded_s = ? WHERE source = ? AND journal_offset = ?")
        var row = RowBinder(place, db)
        for p in live.placements {
            row.text(p.callKey)
            row.text(p.role)
            row.text(p.party)
            row.int(p.allowedEndUTC)
            row.int(p.exceededSeconds)
            row.text(source)
            row.int(p.offset)
            try row.run()
        }
        var firstEvent: Int64?
        let at = now()
        for e in live.events {
            let id = try insertEvent(db, e, routes: routes, at: at)
            if e.type == "recall" { firstEvent = firstEvent ?? id }
        }
        for r in live.fulfilledRequests {
            try db.execute(sql: "UPDATE recall_requests SET state = 'fulfilled', event_id = ? WHERE id = ?", arguments: [firstEvent, r])
        }
        for t in live.recallTickets {
            let row = try Int64.fetchOne(db, sql: "SELECT id FROM calls WHERE source = ? AND journal_offset = ?", arguments: [source, t.offset])
            _ = try insertPrintJob(db, callRow: row, queue: t.request.queue, layout: t.request.layout, raw: t.request.raw, render: t.request.render)
        }
    }

    @discardableResult
    static func insertEvent(_ db: Database, _ e: NewEvent, routes: OutboxRecipients, at: Int64 = now()) throws -> Int64 {
        // Cached statements: one event per call on the ingest path.
        var row = RowBinder(try db.cachedStatement(sql: "INSERT INTO events (type, at, destination, json) VALUES (?, ?, ?, ?)"), db)
        row.text(e.type)
        row.int(at)
        row.text(e.destination)
        row.text(e.json)
        try row.run()
        let id = db.lastInsertedRowID
        for name in routes.names(e.type, e.destination) {
            try db.cachedStatement(sql: "INSERT INTO webhook_outbox (event_id, endpoint, state, next_at) VALUES (?, ?, 'pending', ?)")
                .execute(arguments: [id, name, at * 1000])
        }
        return id
    }

    /// Live results produced with no record (calls closed by their quiet period, source changes).
    public func commitLive(source: String, _ live: LiveBatch) throws {
        guard !live.isEmpty else { return }
        let routes = outboxes
        try db.write { db in try CallStore.writeLive(db, source: source, live: live, routes: routes) }
    }

    /// An event with no batch (an alert, a source going up or down).
    @discardableResult
    public func addEvent(_ e: NewEvent) throws -> Int64 {
        let routes = outboxes
        return try db.write { db in try CallStore.insertEvent(db, e, routes: routes) }
    }

    /// Events after `id`, oldest first.
    public func events(after id: Int64, limit: Int = 1000) throws -> [StoredEvent] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT id, type, at, destination, json FROM events WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit])
                .map { StoredEvent(id: $0[0], type: $0[1], at: $0[2], destination: $0[3], json: $0[4]) }
        }
    }

    public func lastEventID() throws -> Int64 {
        try db.read { try Int64.fetchOne($0, sql: "SELECT MAX(id) FROM events") ?? 0 }
    }

    // MARK: Webhook outbox

    public struct Delivery: Sendable {
        public var id: Int64
        public var endpoint: String
        public var attempts: Int
        /// When it is due, epoch milliseconds.
        public var nextAt: Int64
        public var event: StoredEvent
    }

    /// The oldest undelivered event of an endpoint (due or not: deliveries go in order).
    public func headDelivery(endpoint: String) throws -> Delivery? {
        try db.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT o.id, o.attempts, o.next_at, e.id, e.type, e.at, e.destination, e.json FROM webhook_outbox o JOIN events e ON e.id = o.event_id
                    WHERE o.endpoint = ? AND o.state = 'pending' ORDER BY o.id LIMIT 1
                    """, arguments: [endpoint]
            ).map {
                Delivery(id: $0[0], endpoint: endpoint, attempts: $0[1], nextAt: $0[2], event: StoredEvent(id: $0[3], type: $0[4], at: $0[5], destination: $0[6], json: $0[7]))
            }
        }
    }

    public func markDelivered(_ id: Int64) throws {
        try db.write { try $0.execute(sql: "UPDATE webhook_outbox SET state = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL WHERE id = ?", arguments: [CallStore.now(), id]) }
    }

    public func markAttemptFailed(_ id: Int64, nextAt: Int64, error: String, giveUp: Bool) throws {
        try db.write {
            try $0.execute(
                sql: "UPDATE webhook_outbox SET attempts = attempts + 1, next_at = ?, last_error = ?, state = ? WHERE id = ?",
                arguments: [nextAt, error, giveUp ? "failed" : "pending", id])
        }
    }

    /// Failed deliveries go back to the queue, due now (admin: after fixing a receiver).
    @discardableResult
    public func retryDeliveries(endpoint: String?) throws -> Int {
        try db.write { db in
            try db.execute(
                sql: "UPDATE webhook_outbox SET state = 'pending', next_at = ? WHERE state IN ('failed', 'pending') AND (? IS NULL OR endpoint = ?)",
                arguments: [CallStore.now() * 1000, endpoint, endpoint])
            return db.changesCount
        }
    }

    public func pendingDeliveries() throws -> [String: Int] {
        try db.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT endpoint, COUNT(*) FROM webhook_outbox WHERE state = 'pending' GROUP BY endpoint") { out[row[0]] = row[1] }
            return out
        }
    }

    public func deliveredCount(endpoint: String) throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM webhook_outbox WHERE endpoint = ? AND state = 'delivered'", arguments: [endpoint]) ?? 0 }
    }

    // MARK: Manual recall requests

    public struct RecallRequest: Sendable, Equatable {
        public var id: Int64
        public var station: String
        public var destination: String
        public var requestedBy: String?
        public var requestedAt: Int64
        public var state: String
        public var eventID: Int64?
    }

    public func addRecallRequest(station: String, destination: String, requestedBy: String?) throws -> RecallRequest {
        try db.write { db in
            let at = CallStore.now()
            try db.execute(
                sql: "INSERT INTO recall_requests (station, destination, requested_by, requested_at, state) VALUES (?, ?, ?, ?, 'pending')",
                arguments: [station, destination, requestedBy, at])
            return RecallRequest(id: db.lastInsertedRowID, station: station, destination: destination, requestedBy: requestedBy, requestedAt: at, state: "pending", eventID: nil)
        }
    }

    public func recallRequests(pendingOnly: Bool) throws -> [RecallRequest] {
        try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, station, destination, requested_by, requested_at, state, event_id FROM recall_requests \(pendingOnly ? "WHERE state = 'pending'" : "") ORDER BY id"
            ).map { RecallRequest(id: $0[0], station: $0[1], destination: $0[2], requestedBy: $0[3], requestedAt: $0[4], state: $0[5], eventID: $0[6]) }
        }
    }

    public func cancelRecallRequest(id: Int64) throws -> Bool {
        try db.write { db in
            try db.execute(sql: "UPDATE recall_requests SET state = 'cancelled' WHERE id = ? AND state = 'pending'", arguments: [id])
            return db.changesCount > 0
        }
    }

    // MARK: Calls for the API

    public struct CallFilter: Sendable {
        public var fromUTC: Int64?
        public var toUTC: Int64?
        public var extension_: String?
        public var account: String?
        public var direction: String?
        /// Rows after this id (paging by cursor: stable while calls arrive).
        public var after: Int64?
        public var limit: Int
        public init(fromUTC: Int64? = nil, toUTC: Int64? = nil, extension_: String? = nil, account: String? = nil, direction: String? = nil, after: Int64? = nil, limit: Int = 100) {
            self.fromUTC = fromUTC
            self.toUTC = toUTC
            self.extension_ = extension_
            self.account = account
            self.direction = direction
            self.after = after
            self.limit = limit
        }
    }

    public struct APICall: Sendable {
        public var row: Int64
        public var json: String
        public var callKey: String?
        public var role: String?
        public var party: String?
        public var allowedEndUTC: Int64?
        public var exceededSeconds: Int?
    }

    static let apiColumns = "id, COALESCE(rated_json, record_json), call_key, leg_role, leg_party, allowed_end_utc, exceeded_s"
    static func apiCall(_ r: Row) -> APICall {
        APICall(row: r[0], json: r[1], callKey: r[2], role: r[3], party: r[4], allowedEndUTC: r[5], exceededSeconds: r[6])
    }

    public func apiCalls(_ f: CallFilter) throws -> [APICall] {
        try db.read { db in
            var clauses: [String] = []
            var args: [(any DatabaseValueConvertible)?] = []
            if let v = f.fromUTC { clauses.append("start_utc >= ?"); args.append(v) }
            if let v = f.toUTC { clauses.append("start_utc < ?"); args.append(v) }
            if let v = f.extension_ { clauses.append("(extension = ? OR leg_party = ?)"); args += [v, v] }
            if let v = f.account { clauses.append("account_code = ?"); args.append(v) }
            if let v = f.direction { clauses.append("direction = ?"); args.append(v) }
            if let v = f.after { clauses.append("id > ?"); args.append(v) }
            let filter = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
            args.append(f.limit)
            return try Row.fetchAll(db, sql: "SELECT \(CallStore.apiColumns) FROM calls\(filter) ORDER BY id LIMIT ?", arguments: StatementArguments(args)).map(CallStore.apiCall)
        }
    }

    /// A stored record and the other legs of its call.
    public func apiCall(row: Int64) throws -> (call: APICall, legs: [APICall])? {
        try db.read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT \(CallStore.apiColumns) FROM calls WHERE id = ?", arguments: [row]).map(CallStore.apiCall) else { return nil }
            guard let key = r.callKey else { return (r, [r]) }
            let legs = try Row.fetchAll(db, sql: "SELECT \(CallStore.apiColumns) FROM calls WHERE call_key = ? ORDER BY id", arguments: [key]).map(CallStore.apiCall)
            return (r, legs)
        }
    }

    public func apiCallRows(key: String) throws -> [APICall] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT \(CallStore.apiColumns) FROM calls WHERE call_key = ? ORDER BY id", arguments: [key]).map(CallStore.apiCall)
        }
    }

    /// Old events and delivered webhooks go after `days` (what is undelivered stays).
    public func pruneEvents(olderThanDays days: Int) throws {
        let cutoff = CallStore.now() - Int64(days) * 86_400
        try db.write { db in
            try db.execute(sql: "DELETE FROM webhook_outbox WHERE state = 'delivered' AND delivered_at < ?", arguments: [cutoff])
            try db.execute(sql: "DELETE FROM events WHERE at < ? AND id NOT IN (SELECT event_id FROM webhook_outbox)", arguments: [cutoff])
        }
    }
}
