import Foundation
import GRDB
import SMDRCore

/// The agent's SQLite store (through GRDB), in its data directory.
///
/// - `calls`: one row per record, with its raw text, its JSON form (the call-record fields), its
///   source and its position in that source's journal. `(source, journal_offset)` is unique, so
///   inserting a record a second time (after a restart) changes nothing.
/// - `quarantine`: lines that could not be read, with their reason; never dropped, re-processed
///   after a format fix.
/// - `checkpoints`: per source, the journal position from which reading resumes, committed in the
///   same transaction as the rows it covers (exactly once).
/// - `alarms`: a silent source, a gap in a PBX sequence, a store that could not write.
public final class CallStore: @unchecked Sendable {
    public let path: String
    let db: DatabasePool
    /// The outboxes an event goes to (webhook endpoint names), decided by the live side: the store
    /// writes one outbox row per name in the event's own transaction, so a committed event is
    /// never without its deliveries. Set once before the agent starts.
    public nonisolated(unsafe) var outboxes: OutboxRecipients = .none

    /// How a process uses the store: the agent and commands that change it write; commands that
    /// only look (`calls`, `report`) open it read-only and never take its write lock.
    public enum Access: Sendable { case readWrite, readOnly }

    /// How long a connection waits for another process's lock before giving up (then the caller retries).
    public static let busyTimeout: TimeInterval = 10

    public init(path: String, access: Access = .readWrite) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(CallStore.busyTimeout)
        if access == .readOnly {
            config.readonly = true
            db = try DatabasePool(path: path, configuration: config)
            guard try db.read({ try CallStore.migrator.hasCompletedMigrations($0) }) else {
                throw StoreError("the store at \(path) was written by an older agent: start the agent once to bring it up to date")
            }
            return
        }
        config.prepareDatabase { db in
            // WAL: readers never block the writer. NORMAL: a commit lost to a power cut is read
            // again from the journal (the checkpoint rolls back with it).
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoints mostly outside committing writes (their fsync stalled that request):
            // the agent checkpoints from a reader on every pass of its ingest loop
            // (``checkpoint()``); a writer checkpoints only past 10,000 pages, which bounds the log
            // when writes never pause.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
        }
        db = try DatabasePool(path: path, configuration: config)
        try CallStore.migrator.migrate(db)
    }

    /// Copies the write-ahead log into the database without blocking writers (PASSIVE, from a
    /// reader connection). The agent calls it at least every 0.25 s; short-lived commands leave it to
    /// SQLite, which checkpoints when the last connection closes.
    public func checkpoint() {
        _ = try? db.unsafeRead { try $0.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)") }
    }

    /// Migrations never change once shipped; add a new one instead.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE calls (
                        id INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        journal_offset INTEGER NOT NULL,
                        format TEXT NOT NULL,
                        line INTEGER NOT NULL,
                        raw TEXT NOT NULL,
                        start TEXT,
                        start_utc INTEGER,
                        end TEXT,
                        duration_s INTEGER,
                        direction TEXT,
                        extension TEXT,
                        number TEXT,
                        trunk TEXT,
                        account_code TEXT,
                        call_id TEXT,
                        units INTEGER,
                        pbx_cost TEXT,
                        record_json TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        UNIQUE (source, journal_offset)
                    ) STRICT;
                    CREATE INDEX calls_start ON calls (start_utc);
                    CREATE INDEX calls_extension ON calls (extension);
                    CREATE TABLE quarantine (
                        id INTEGER PRIMARY KEY,
                        source TEXT NOT NULL,
                        journal_offset INTEGER NOT NULL,
                        line INTEGER NOT NULL,
                        format TEXT,
                        text TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        received_at INTEGER NOT NULL,
                        resolved INTEGER NOT NULL DEFAULT 0,
                        UNIQUE (source, journal_offset)
                    ) STRICT;
                    CREATE TABLE checkpoints (
                        source TEXT PRIMARY KEY,
                        stream_offset INTEGER NOT NULL,
                        line INTEGER NOT NULL,
                        format TEXT,
                        updated_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE alarms (
                        id INTEGER PRIMARY KEY,
                        source TEXT,
                        kind TEXT NOT NULL,
                        message TEXT NOT NULL,
                        raised_at INTEGER NOT NULL,
                        cleared_at INTEGER
                    ) STRICT;
                    """)
        }
        m.registerMigration("v2-rating") { db in
            // Money as INTEGER millionths of the currency: exact sums in SQL.
            for column in [
                "rating TEXT", "cost_micros INTEGER", "vat_micros INTEGER", "cost_incl_vat_micros INTEGER", "rated_units INTEGER",
                "destination TEXT", "prefix TEXT", "band TEXT", "tariff_version TEXT", "rating_currency TEXT", "rating_decimals INTEGER",
                "client TEXT", "billable INTEGER", "rated_json TEXT",
            ] {
                try db.execute(sql: "ALTER TABLE calls ADD COLUMN \(column)")
            }
            try db.execute(
                sql: """
                    CREATE TABLE rerate_audit (
                        id INTEGER PRIMARY KEY,
                        call_row INTEGER NOT NULL REFERENCES calls(id),
                        rerated_at INTEGER NOT NULL,
                        old_cost_micros INTEGER,
                        new_cost_micros INTEGER,
                        old_version TEXT,
                        new_version TEXT
                    ) STRICT;
                    CREATE INDEX calls_account ON calls (account_code);
                    """)
        }
        m.registerMigration("v3-print-queue") { db in
            try db.execute(
                sql: """
                    CREATE TABLE print_jobs (
                        id INTEGER PRIMARY KEY,
                        ticket_no INTEGER NOT NULL UNIQUE,
                        call_row INTEGER REFERENCES calls(id),
                        queue TEXT NOT NULL,
                        layout TEXT NOT NULL,
                        raw INTEGER NOT NULL,
                        copy INTEGER NOT NULL DEFAULT 0,
                        content BLOB NOT NULL,
                        state TEXT NOT NULL,
                        cups_job INTEGER,
                        reason TEXT,
                        created_at INTEGER NOT NULL,
                        updated_at INTEGER NOT NULL
                    ) STRICT;
                    CREATE INDEX print_jobs_state ON print_jobs (state, id);
                    """)
        }
        m.registerMigration("v4-live", migrate: CallStore.migrateLive)
        m.registerMigration("v5-prepaid", migrate: CallStore.migratePrepaid)
        return m
    }

    /// A ticket in the print queue.
    public struct PrintJob: Sendable, Equatable {
        public enum State: String, Sendable { case queued, submitted, completed, failed }
        public var id: Int64
        public var ticketNumber: Int
        public var callRow: Int64?
        public var queue: String
        public var layout: String
        public var raw: Bool
        public var copy: Bool
        public var content: [UInt8]
        public var state: State
        public var cupsJob: Int32?
        public var reason: String?
    }

    /// A ticket to queue with a call as it is stored.
    public struct TicketRequest: Sendable {
        public var queue: String
        public var layout: String
        public var raw: Bool
        public var render: @Sendable (_ number: Int, _ copy: Bool) -> [UInt8]

        public init(queue: String, layout: String, raw: Bool, render: @escaping @Sendable (_ number: Int, _ copy: Bool) -> [UInt8]) {
            self.queue = queue
            self.layout = layout
            self.raw = raw
            self.render = render
        }
    }

    /// Queues a ticket under the next ticket number (gap-free: allocated in the same transaction
    /// as the insert); `render` makes its bytes from that number.
    @discardableResult
    public func enqueueTicket(callRow: Int64?, queue: String, layout: String, raw: Bool, render: (_ number: Int, _ copy: Bool) -> [UInt8]) throws -> PrintJob {
        try db.write { db in try CallStore.insertPrintJob(db, callRow: callRow, queue: queue, layout: layout, raw: raw, render: render) }
    }

    static func insertPrintJob(_ db: Database, callRow: Int64?, queue: String, layout: String, raw: Bool, render: (_ number: Int, _ copy: Bool) -> [UInt8]) throws -> PrintJob {
        do {
            let number = (try Int.fetchOne(db, sql: "SELECT MAX(ticket_no) FROM print_jobs") ?? 0) + 1
            let copy = try callRow.map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM print_jobs WHERE call_row = ?", arguments: [$0]) ?? 0 } ?? 0 > 0
            let bytes = render(number, copy)
            let now = Int64(Date().timeIntervalSince1970)
            try db.execute(
                sql: "INSERT INTO print_jobs (ticket_no, call_row, queue, layout, raw, copy, content, state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
                arguments: [number, callRow, queue, layout, raw, copy, Data(bytes), now, now])
            return PrintJob(
                id: db.lastInsertedRowID, ticketNumber: number, callRow: callRow, queue: queue, layout: layout, raw: raw, copy: copy, content: bytes,
                state: .queued, cupsJob: nil, reason: nil)
        }
    }

    static func printJob(_ r: Row) -> PrintJob {
        PrintJob(
            id: r["id"], ticketNumber: r["ticket_no"], callRow: r["call_row"], queue: r["queue"], layout: r["layout"], raw: r["raw"], copy: r["copy"],
            content: [UInt8]((r["content"] as Data?) ?? Data()), state: PrintJob.State(rawValue: r["state"]) ?? .queued, cupsJob: r["cups_job"],
            reason: r["reason"])
    }

    /// The oldest ticket not yet printed or given up: tickets print one at a time, in order.
    public func nextPrintJob() throws -> PrintJob? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM print_jobs WHERE state IN ('queued', 'submitted') ORDER BY id LIMIT 1").map(CallStore.printJob)
        }
    }

    public func printJobs(limit: Int = 100) throws -> [PrintJob] {
        try db.read { db in try Row.fetchAll(db, sql: "SELECT * FROM print_jobs ORDER BY id DESC LIMIT ?", arguments: [limit]).map(CallStore.printJob) }
    }

    public func printJob(id: Int64) throws -> PrintJob? {
        try db.read { db in try Row.fetchOne(db, sql: "SELECT * FROM print_jobs WHERE id = ?", arguments: [id]).map(CallStore.printJob) }
    }

    public func updatePrintJob(id: Int64, state: PrintJob.State, cupsJob: Int32? = nil, reason: String? = nil) throws {
        try db.write { db in
            try db.execute(
                sql: "UPDATE print_jobs SET state = ?, cups_job = COALESCE(?, cups_job), reason = ?, updated_at = ? WHERE id = ?",
                arguments: [state.rawValue, cupsJob, reason, Int64(Date().timeIntervalSince1970), id])
        }
    }

    /// A stored call's row by its row id, or by the PBX's call id (the latest with it).
    /// A stored call with its rating, as a ticket prints it: the record and the amounts the
    /// store keeps (millionths, the tariff's currency and decimals), read by column name.
    public struct RatedRow: Sendable {
        public var row: Int64
        public var record: CallRecord
        public var rating: StoredRating?
    }

    /// The columns of `calls` a ticket needs.
    struct RatedRowColumns: Decodable, FetchableRecord {
        var id: Int64
        var record_json: String
        var rated_json: String?
        var rating: String?
        var cost_micros: Int64?
        var vat_micros: Int64?
        var cost_incl_vat_micros: Int64?
        var rated_units: Int?
        var destination: String?
        var prefix: String?
        var band: String?
        var tariff_version: String?
        var rating_currency: String?
        var rating_decimals: Int?
        var client: String?
        var billable: Bool?

        static let selection = """
            SELECT id, record_json, rated_json, rating, cost_micros, vat_micros, cost_incl_vat_micros, rated_units, destination, prefix, band,
              tariff_version, rating_currency, rating_decimals, client, billable FROM calls
            """

        var rated: RatedRow? {
            guard let record = CallRecord(jsonLine: record_json) else { return nil }
            let stored = rating.map { status in
                StoredRating(
                    status: status, costMicros: cost_micros, vatMicros: vat_micros, costInclVATMicros: cost_incl_vat_micros, units: rated_units,
                    destination: destination, prefix: prefix, band: band, tariffVersion: tariff_version, currency: rating_currency,
                    decimals: rating_decimals, client: client, billable: billable, json: rated_json ?? record_json)
            }
            return RatedRow(row: id, record: record, rating: stored)
        }
    }

    /// The stored call by row number, or the latest with that PBX call id.
    public func ratedRow(_ key: String) throws -> RatedRow? {
        try db.read { db in
            if let id = Int64(key), let r = try RatedRowColumns.fetchOne(db, sql: RatedRowColumns.selection + " WHERE id = ?", arguments: [id]) {
                return r.rated
            }
            return try RatedRowColumns.fetchOne(db, sql: RatedRowColumns.selection + " WHERE call_id = ? ORDER BY id DESC LIMIT 1", arguments: [key])?.rated
        }
    }

    /// How a stored call was priced (filled by the rating side; money in millionths).
    public struct StoredRating: Sendable, Equatable {
        public var status: String
        public var costMicros: Int64?
        public var vatMicros: Int64?
        public var costInclVATMicros: Int64?
        public var units: Int?
        public var destination: String?
        public var prefix: String?
        public var band: String?
        public var tariffVersion: String?
        public var currency: String?
        public var decimals: Int?
        public var client: String?
        public var billable: Bool?
        /// The rated JSON form (call-record fields plus the rating fields).
        public var json: String

        public init(
            status: String, costMicros: Int64?, vatMicros: Int64?, costInclVATMicros: Int64?, units: Int?, destination: String?, prefix: String?,
            band: String?, tariffVersion: String?, currency: String?, decimals: Int?, client: String?, billable: Bool?, json: String
        ) {
            self.status = status
            self.costMicros = costMicros
            self.vatMicros = vatMicros
            self.costInclVATMicros = costInclVATMicros
            self.units = units
            self.destination = destination
            self.prefix = prefix
            self.band = band
            self.tariffVersion = tariffVersion
            self.currency = currency
            self.decimals = decimals
            self.client = client
            self.billable = billable
            self.json = json
        }
    }

    public struct Checkpoint: Sendable, Equatable {
        public var offset: Int64
        public var line: Int
        public var format: String?

        public init(offset: Int64, line: Int, format: String?) {
            self.offset = offset
            self.line = line
            self.format = format
        }
    }

    public func checkpoint(source: String) throws -> Checkpoint? {
        try db.read { db in
            try Row.fetchOne(db, sql: "SELECT stream_offset, line, format FROM checkpoints WHERE source = ?", arguments: [source])
                .map { Checkpoint(offset: $0[0], line: $0[1], format: $0[2]) }
        }
    }

    /// Writes a batch and the checkpoint that follows it, atomically. Returns the rows inserted
    /// (records already stored are not inserted again).
    @discardableResult
    public func commit(
        source: String, records: [CallRecord], rejects: [Reject], checkpoint: Checkpoint?, receivedAt: Int64, ratings: [StoredRating?]? = nil,
        tickets: [TicketRequest?]? = nil, live: LiveBatch? = nil, retractRejectsFrom: Int64? = nil, recordJSON: [String]? = nil
    ) throws -> Int {
        // Each record's JSON form, written by the caller when it has a core to spare (the
        // ingester, while the previous batch is written); otherwise here.
        let json = recordJSON ?? records.map(RecordJSON.line)
        precondition(json.count == records.count, "one JSON form per record")
        let routes = outboxes
        return try db.write { db in
            var inserted = 0
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO calls (source, journal_offset, format, line, raw, start, start_utc, end, duration_s, direction,
                      extension, number, trunk, account_code, call_id, units, pbx_cost, record_json, received_at,
                      call_key, leg_role, leg_party, allowed_end_utc, exceeded_s)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            // Legs placed in this batch are written with their row, not updated after it.
            var placed: [Int64: LegPlacement] = [:]
            for p in live?.placements ?? [] { placed[p.offset] = p }
            let rate = try db.cachedStatement(
                sql: """
                    UPDATE calls SET rating = ?, cost_micros = ?, vat_micros = ?, cost_incl_vat_micros = ?, rated_units = ?, destination = ?,
                      prefix = ?, band = ?, tariff_version = ?, rating_currency = ?, rating_decimals = ?, client = ?, billable = ?, rated_json = ?
                    WHERE id = ?
                    """)
            var row = RowBinder(insert, db)
            for (k, r) in records.enumerated() {
                let p = placed[r.offset]
                row.text(source)
                row.int(r.offset)
                row.text(r.format)
                row.int(r.line)
                row.text(r.raw)
                row.text(r.start?.iso8601)
                row.int(r.start?.utc)
                row.text(r.end?.iso8601)
                row.int(r.durationSeconds)
                row.text(r.direction?.rawValue)
                row.text(r.extension_)
                row.text(r.number)
                row.text(r.trunk)
                row.text(r.accountCode)
                row.text(r.callID)
                row.int(r.units)
                row.text(r.pbxCost)
                row.text(json[k])
                row.int(receivedAt)
                row.text(p?.callKey)
                row.text(p?.role)
                row.text(p?.party)
                row.int(p?.allowedEndUTC)
                row.int(p?.exceededSeconds)
                try row.run()
                let added = db.changesCount
                inserted += added
                let id = db.lastInsertedRowID
                if added > 0, let ratings, k < ratings.count, let g = ratings[k] {
                    try rate.execute(arguments: StatementArguments(CallStore.ratingArguments(g) + [id]))
                }
                // The call's automatic ticket, in the same transaction: never lost, never twice.
                if added > 0, let tickets, k < tickets.count, let t = tickets[k] {
                    _ = try CallStore.insertPrintJob(db, callRow: id, queue: t.queue, layout: t.layout, raw: t.raw, render: t.render)
                }
            }
            if let from = retractRejectsFrom {
                // Lines quarantined while the format was unknown, read again now that it is known.
                try db.execute(sql: "DELETE FROM quarantine WHERE source = ? AND journal_offset >= ? AND resolved = 0", arguments: [source, from])
            }
            let quarantine = try db.cachedStatement(
                sql: "INSERT OR IGNORE INTO quarantine (source, journal_offset, line, format, text, reason, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
            for q in rejects {
                try quarantine.execute(arguments: [source, q.offset, q.line, q.format, q.text, q.reason, receivedAt])
            }
            if let checkpoint {
                try db.execute(
                    sql: """
                        INSERT INTO checkpoints (source, stream_offset, line, format, updated_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (source) DO UPDATE SET stream_offset = excluded.stream_offset, line = excluded.line,
                          format = excluded.format, updated_at = excluded.updated_at
                        """, arguments: [source, checkpoint.offset, checkpoint.line, checkpoint.format, Int64(Date().timeIntervalSince1970)])
            }
            if let live {
                // Placements of rows stored by earlier batches are updates; this batch's are written.
                let here = Set(records.map(\.offset))
                var rest = live
                rest.placements = live.placements.filter { !here.contains($0.offset) }
                try CallStore.writeLive(db, source: source, live: rest, routes: routes)
            }
            return inserted
        }
    }

    static func ratingArguments(_ g: StoredRating) -> [(any DatabaseValueConvertible)?] {
        [g.status, g.costMicros, g.vatMicros, g.costInclVATMicros, g.units, g.destination, g.prefix, g.band, g.tariffVersion, g.currency,
         g.decimals, g.client, g.billable, g.json]
    }

    /// A stored call to re-rate: its row id, its JSON form and its current rating.
    public struct StoredCall: Sendable {
        public var row: Int64
        public var json: String
        public var costMicros: Int64?
        public var tariffVersion: String?
    }

    public func calls(fromUTC: Int64, toUTC: Int64) throws -> [StoredCall] {
        try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, record_json, cost_micros, tariff_version FROM calls WHERE start_utc >= ? AND start_utc < ? ORDER BY id",
                arguments: [fromUTC, toUTC]
            ).map { StoredCall(row: $0[0], json: $0[1], costMicros: $0[2], tariffVersion: $0[3]) }
        }
    }

    /// Replaces calls' ratings and keeps an audit row of old and new cost per call, atomically.
    public func rerate(_ changes: [(call: StoredCall, rating: StoredRating)]) throws {
        let now = Int64(Date().timeIntervalSince1970)
        try db.write { db in
            let rate = try db.cachedStatement(
                sql: """
                    UPDATE calls SET rating = ?, cost_micros = ?, vat_micros = ?, cost_incl_vat_micros = ?, rated_units = ?, destination = ?,
                      prefix = ?, band = ?, tariff_version = ?, rating_currency = ?, rating_decimals = ?, client = ?, billable = ?, rated_json = ?
                    WHERE id = ?
                    """)
            let audit = try db.cachedStatement(
                sql: "INSERT INTO rerate_audit (call_row, rerated_at, old_cost_micros, new_cost_micros, old_version, new_version) VALUES (?, ?, ?, ?, ?, ?)")
            for (c, g) in changes {
                try rate.execute(arguments: StatementArguments(CallStore.ratingArguments(g) + [c.row]))
                try audit.execute(arguments: [c.row, now, c.costMicros, g.costMicros, c.tariffVersion, g.tariffVersion])
            }
        }
    }

    public struct ReportRow: Sendable {
        public var key: String
        public var calls: Int
        public var seconds: Int
        public var units: Int
        public var costMicros: Int64
        public var vatMicros: Int64
        public var totalMicros: Int64

        public init(key: String, calls: Int, seconds: Int, units: Int, costMicros: Int64, vatMicros: Int64, totalMicros: Int64) {
            self.key = key
            self.calls = calls
            self.seconds = seconds
            self.units = units
            self.costMicros = costMicros
            self.vatMicros = vatMicros
            self.totalMicros = totalMicros
        }
    }

    /// Sums of rated calls grouped by a column, largest cost first.
    public func report(by column: String, fromUTC: Int64, toUTC: Int64) throws -> [ReportRow] {
        let allowed = ["extension": "extension", "account": "account_code", "destination": "destination", "trunk": "trunk", "client": "client"]
        guard let col = allowed[column] else { throw DatabaseError(message: "cannot group by \(column)") }
        return try db.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT COALESCE(\(col), '(none)'), COUNT(*), COALESCE(SUM(duration_s), 0), COALESCE(SUM(rated_units), 0),
                      COALESCE(SUM(cost_micros), 0), COALESCE(SUM(vat_micros), 0), COALESCE(SUM(cost_incl_vat_micros), 0)
                    FROM calls WHERE start_utc >= ? AND start_utc < ? GROUP BY 1 ORDER BY 5 DESC, 1
                    """, arguments: [fromUTC, toUTC]
            ).map { ReportRow(key: $0[0], calls: $0[1], seconds: $0[2], units: $0[3], costMicros: $0[4], vatMicros: $0[5], totalMicros: $0[6]) }
        }
    }

    /// Stored records as JSON lines, oldest first; optionally only those starting at or after `since` (epoch s).
    public func callsJSON(since: Int64? = nil, limit: Int? = nil, rated: Bool = false) throws -> [String] {
        try db.read { db in
            var sql = rated ? "SELECT COALESCE(rated_json, record_json) FROM calls" : "SELECT record_json FROM calls"
            var args: [(any DatabaseValueConvertible)?] = []
            if let since {
                sql += " WHERE start_utc >= ?"
                args.append(since)
            }
            sql += " ORDER BY id"
            if let limit { sql += " LIMIT \(limit)" }
            return try String.fetchAll(db, sql: sql, arguments: StatementArguments(args))
        }
    }

    public func callCount() throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM calls") ?? 0 }
    }

    public struct QuarantinedLine: Sendable {
        public var id: Int64
        public var source: String
        public var offset: Int64
        public var line: Int
        public var format: String?
        public var text: String
        public var reason: String
    }

    public func quarantined(includeResolved: Bool = false) throws -> [QuarantinedLine] {
        try db.read { db in
            try Row.fetchAll(
                db, sql: "SELECT id, source, journal_offset, line, format, text, reason FROM quarantine \(includeResolved ? "" : "WHERE resolved = 0") ORDER BY id"
            ).map { QuarantinedLine(id: $0[0], source: $0[1], offset: $0[2], line: $0[3], format: $0[4], text: $0[5], reason: $0[6]) }
        }
    }

    /// When the last record of `source` was received (ns since the epoch), if any: for `doctor`.
    public func lastStored(source: String) throws -> Int64? {
        try db.read { db in try Int64.fetchOne(db, sql: "SELECT MAX(received_at) FROM calls WHERE source = ?", arguments: [source]) }
    }

    public func resolveQuarantine(ids: [Int64]) throws {
        try db.write { db in
            for id in ids { try db.execute(sql: "UPDATE quarantine SET resolved = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// An alarm, and its `alert` event (stream and webhooks) in the same transaction.
    public func raiseAlarm(source: String?, kind: String, message: String) throws {
        let routes = outboxes
        try db.write { db in
            try db.execute(
                sql: "INSERT INTO alarms (source, kind, message, raised_at) VALUES (?, ?, ?, ?)",
                arguments: [source, kind, message, Int64(Date().timeIntervalSince1970)])
            let json = "{\"kind\":\"\(CallStore.escape(kind))\",\"message\":\"\(CallStore.escape(message))\",\"source\":\(source.map { "\"\(CallStore.escape($0))\"" } ?? "null")}"
            try CallStore.insertEvent(db, NewEvent(type: "alert", destination: nil, json: json), routes: routes)
        }
    }

    public func clearAlarms(source: String?, kind: String) throws {
        try db.write { db in
            try db.execute(
                sql: "UPDATE alarms SET cleared_at = ? WHERE kind = ? AND source IS ? AND cleared_at IS NULL",
                arguments: [Int64(Date().timeIntervalSince1970), kind, source])
        }
    }

    public struct Alarm: Sendable {
        public var source: String?
        public var kind: String
        public var message: String
        public var active: Bool
    }

    public func alarms() throws -> [Alarm] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT source, kind, message, cleared_at FROM alarms ORDER BY id").map {
                Alarm(source: $0[0], kind: $0[1], message: $0[2], active: ($0[3] as Int64?) == nil)
            }
        }
    }
}

extension CallStore {
    /// The error is another process holding the database (busy or locked): worth waiting for.
    public static func isLockContention(_ error: any Error) -> Bool {
        guard let e = error as? DatabaseError else { return false }
        return e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED
    }
}

/// A store problem explained in words.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
