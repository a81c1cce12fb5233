import Foundation
import GRDB

/// The prepaid ledger (migration v5-prepaid), double-entry and append-only:
///
/// - `ledger_accounts`: the main account, one sub-account per branch, each with a `:held` twin
///   that holds reservations, and the system accounts money comes from and goes to (`topups`,
///   `calls`, `adjustments`).
/// - `ledger_transactions`: one row per movement (top-up, call, reserve, release, adjustment);
///   a top-up's reference and a call's row are unique, so neither is ever counted twice.
/// - `ledger_entries`: the legs of each transaction, summing to zero. A balance is the sum of an
///   account's entries; nothing is ever updated or deleted.
/// - `reservations`: authorisations holding a call's maximum cost until its record arrives, it is
///   released, or it expires.
/// - `ledger_cursor`: the last call row charged (calls are charged in row order, exactly once).
///
/// Balances are cached in memory and brought up to date from the entries at the start of every
/// write, so another process (the `topup` command) writing the same file is seen at once.
public final class Ledger: @unchecked Sendable {
    public static let topups = "topups", calls = "calls", adjustments = "adjustments"
    /// The largest single movement (a top-up, an adjustment, a call's charge): 1,000,000,000 units.
    public static let maximumMovementMicros: UInt64 = 1_000_000_000 * 1_000_000
    /// The largest balance any account, system accounts included, may reach either way:
    /// 1,000,000,000,000 units (10^18 micros, well inside 64 bits, so no sum of entries overflows).
    public static let maximumBalanceMicros: UInt64 = 1_000_000_000_000 * 1_000_000

    public let store: CallStore
    private let lock = NSLock()
    private var balances: [String: Int64] = [:]
    private var lastEntry: Int64 = 0

    /// Epoch seconds; injected so reservation timeouts are tested without waiting.
    public let clock: @Sendable () -> Int64

    public init(store: CallStore, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.store = store
        self.clock = clock
    }

    /// The hold account of an account.
    public static func held(_ account: String) -> String { account + ":held" }

    /// Creates the accounts that do not exist yet (and their hold accounts, and the system ones).
    /// The first time, charging starts after the calls already stored.
    public func open(accounts: [(id: String, kind: String, name: String?)], currency: String) throws {
        try store.db.write { db in
            let now = clock()
            let insert = "INSERT OR IGNORE INTO ledger_accounts (id, kind, name, currency, created_at) VALUES (?, ?, ?, ?, ?)"
            for (id, kind, name) in accounts {
                try db.execute(sql: insert, arguments: [id, kind, name, currency, now])
                try db.execute(sql: insert, arguments: [Ledger.held(id), "held", name, currency, now])
                try db.execute(sql: "UPDATE ledger_accounts SET name = ? WHERE id = ?", arguments: [name, id])
            }
            for system in [Ledger.topups, Ledger.calls, Ledger.adjustments] {
                try db.execute(sql: insert, arguments: [system, "system", nil, currency, now])
            }
            try db.execute(sql: "INSERT OR IGNORE INTO ledger_cursor (id, call_row) VALUES (1, (SELECT COALESCE(MAX(id), 0) FROM calls))")
        }
    }

    /// Runs `body` in one write transaction with balances up to date; what it posts is committed
    /// with it or not at all.
    public func write<T>(_ body: (LedgerTransaction) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        var result: T?
        var after: ([String: Int64], Int64)?
        try store.db.write { db in
            let tx = LedgerTransaction(db: db, balances: balances, lastEntry: lastEntry, routes: store.outboxes, now: clock())
            try tx.refresh()
            result = try body(tx)
            after = (tx.balances, tx.lastEntry)
        }
        if let after { (balances, lastEntry) = after }
        return result!
    }

    /// Current balances of the given accounts (micros), brought up to date first.
    public func balances(_ accounts: [String]) throws -> [String: Int64] {
        lock.lock()
        defer { lock.unlock() }
        let (b, last) = try store.db.read { db in
            let tx = LedgerTransaction(db: db, balances: balances, lastEntry: lastEntry, routes: .none, now: clock())
            try tx.refresh()
            return (tx.balances, tx.lastEntry)
        }
        (balances, lastEntry) = (b, last)
        var out: [String: Int64] = [:]
        for a in accounts { out[a] = b[a] ?? 0 }
        return out
    }

    /// A movement as a statement shows it: the net amount on an account and its hold account.
    public struct Movement: Sendable {
        public var transaction: Int64
        public var at: Int64
        public var kind: String
        public var reference: String?
        public var memo: String?
        public var callRow: Int64?
        public var amount: Int64
        /// The call's columns, for calls.
        public var extension_: String?
        public var number: String?
        public var accountCode: String?
        public var durationSeconds: Int?
        public var callStartUTC: Int64?
    }

    /// An account's balance (with its held part) before `from`, its movements in `[from, to)` that
    /// change it, and what its reservations held at `to`.
    public func movements(account: String, fromUTC: Int64, toUTC: Int64) throws -> (opening: Int64, lines: [Movement], heldAtEnd: Int64) {
        try store.db.read { db in
            let pair = [account, Ledger.held(account)]
            let opening = try Int64.fetchOne(
                db,
                sql: """
                    SELECT COALESCE(SUM(e.amount_micros), 0) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.txn
                    WHERE e.account IN (?, ?) AND t.at_utc < ?
                    """, arguments: [pair[0], pair[1], fromUTC]) ?? 0
            let held = try Int64.fetchOne(
                db,
                sql: "SELECT COALESCE(SUM(e.amount_micros), 0) FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.txn WHERE e.account = ? AND t.at_utc < ?",
                arguments: [pair[1], toUTC]) ?? 0
            let lines = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.id, t.at_utc, t.kind, t.ref, t.memo, t.call_row, SUM(e.amount_micros),
                      c.extension, c.number, c.account_code, c.duration_s, c.start_utc
                    FROM ledger_transactions t JOIN ledger_entries e ON e.txn = t.id AND e.account IN (?, ?)
                    LEFT JOIN calls c ON c.id = t.call_row
                    WHERE t.at_utc >= ? AND t.at_utc < ? AND t.kind IN ('topup', 'call', 'adjustment')
                    GROUP BY t.id ORDER BY t.id
                    """, arguments: [pair[0], pair[1], fromUTC, toUTC]
            ).map {
                Movement(
                    transaction: $0[0], at: $0[1], kind: $0[2], reference: $0[3], memo: $0[4], callRow: $0[5], amount: $0[6], extension_: $0[7], number: $0[8],
                    accountCode: $0[9], durationSeconds: $0[10], callStartUTC: $0[11])
            }
            return (opening, lines, held)
        }
    }

    /// What the double-entry rules promise, checked from the file: every transaction sums to
    /// zero, so all entries do, and the cached balances equal the entries' sums.
    public struct Audit: Sendable, Equatable {
        public var total: Int64
        public var unbalancedTransactions: Int
        public var cacheMismatches: [String]
        public var heldMismatches: [String]
        public var isSound: Bool { total == 0 && unbalancedTransactions == 0 && cacheMismatches.isEmpty && heldMismatches.isEmpty }
    }

    public func audit() throws -> Audit {
        _ = try balances([])
        lock.lock()
        let snapshot = balances
        lock.unlock()
        return try store.db.read { db in
            let total = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(amount_micros), 0) FROM ledger_entries") ?? 0
            let unbalanced = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM (SELECT txn FROM ledger_entries GROUP BY txn HAVING SUM(amount_micros) != 0)") ?? 0
            var mismatches: [String] = []
            let sums = try Row.fetchAll(db, sql: "SELECT account, SUM(amount_micros) FROM ledger_entries GROUP BY account")
            var fromFile: [String: Int64] = [:]
            for r in sums { fromFile[r[0]] = r[1] }
            for a in Set(fromFile.keys).union(snapshot.keys) where (fromFile[a] ?? 0) != (snapshot[a] ?? 0) { mismatches.append(a) }
            // Each hold account holds exactly what its held reservations reserved.
            var heldMismatches: [String] = []
            let held = try Row.fetchAll(db, sql: "SELECT account, SUM(amount_micros) FROM reservations WHERE state = 'held' GROUP BY account")
            var reserved: [String: Int64] = [:]
            for r in held { reserved[Ledger.held(r[0])] = r[1] }
            for a in fromFile.keys where a.hasSuffix(":held") && (fromFile[a] ?? 0) != (reserved[a] ?? 0) { heldMismatches.append(a) }
            for a in reserved.keys where fromFile[a] == nil && reserved[a] != 0 { heldMismatches.append(a) }
            return Audit(total: total, unbalancedTransactions: unbalanced, cacheMismatches: mismatches.sorted(), heldMismatches: heldMismatches.sorted())
        }
    }

    /// A reservation's state (`held`, `consumed`, `released`, `expired`), nil when unknown.
    public func reservationState(id: Int64) throws -> String? {
        try store.db.read { try String.fetchOne($0, sql: "SELECT state FROM reservations WHERE id = ?", arguments: [id]) }
    }

    /// Reservations by state (for tests and the API).
    public func reservationCounts() throws -> [String: Int] {
        try store.db.read { db in
            var out: [String: Int] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) FROM reservations GROUP BY state") { out[r[0]] = r[1] }
            return out
        }
    }
}

/// One write transaction on the ledger, valid only inside ``Ledger/write(_:)``.
public final class LedgerTransaction {
    let db: Database
    let routes: CallStore.OutboxRecipients
    public private(set) var balances: [String: Int64]
    var lastEntry: Int64
    /// Balances when the transaction began, for the accounts it touched.
    public private(set) var before: [String: Int64] = [:]

    /// The transaction's time (epoch seconds).
    public let now: Int64

    init(db: Database, balances: [String: Int64], lastEntry: Int64, routes: CallStore.OutboxRecipients, now: Int64) {
        self.now = now
        self.db = db
        self.balances = balances
        self.lastEntry = lastEntry
        self.routes = routes
    }

    /// Adds the entries written since the cache was last brought up to date (by anyone).
    func refresh() throws {
        let rows = try Row.fetchAll(
            db,
            // NOT INDEXED: walk the rowid range of the new entries, not the account index (which
            // would read every entry ever written to group them).
            sql: "SELECT account, SUM(amount_micros), MAX(id) FROM ledger_entries NOT INDEXED WHERE id > ? GROUP BY account", arguments: [lastEntry])
        for r in rows {
            balances[r[0], default: 0] += r[1]
            lastEntry = max(lastEntry, r[2])
        }
    }

    public func balance(_ account: String) -> Int64 { balances[account] ?? 0 }

    /// Posts one transaction whose legs sum to zero; returns its id.
    @discardableResult
    public func post(
        kind: String, account: String, legs: [(account: String, micros: Int64)], reference: String? = nil, callRow: Int64? = nil, reservation: Int64? = nil,
        memo: String? = nil, at: Int64? = nil
    ) throws -> Int64 {
        // Bounded amounts: no movement and no balance can overflow the 64-bit sums (refused, never a crash).
        for leg in legs where leg.micros.magnitude > Ledger.maximumMovementMicros {
            throw LedgerLimitError("a movement of more than \(Ledger.maximumMovementMicros / 1_000_000) currency units is refused")
        }
        precondition(legs.reduce(0) { $0 + $1.micros } == 0, "a ledger transaction must balance")
        for leg in legs where leg.micros != 0 {
            let (after, overflow) = (balances[leg.account] ?? 0).addingReportingOverflow(leg.micros)
            guard !overflow, after.magnitude <= Ledger.maximumBalanceMicros else {
                throw LedgerLimitError("account \(leg.account) would pass the maximum balance of \(Ledger.maximumBalanceMicros / 1_000_000) currency units")
            }
        }
        try db.cachedStatement(sql: "INSERT INTO ledger_transactions (at_utc, kind, account, ref, call_row, reservation, memo) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [at ?? now, kind, account, reference, callRow, reservation, memo])
        let txn = db.lastInsertedRowID
        let entry = try db.cachedStatement(sql: "INSERT INTO ledger_entries (txn, account, amount_micros) VALUES (?, ?, ?)")
        for leg in legs where leg.micros != 0 {
            try entry.execute(arguments: [txn, leg.account, leg.micros])
            if before[leg.account] == nil { before[leg.account] = balances[leg.account] ?? 0 }
            balances[leg.account, default: 0] += leg.micros
            lastEntry = db.lastInsertedRowID
        }
        return txn
    }

    /// The transaction a top-up reference already made on an account, with its amount.
    public func topup(account: String, reference: String) throws -> (transaction: Int64, micros: Int64, kind: String)? {
        try Row.fetchOne(
            db,
            sql: """
                SELECT t.id, COALESCE(SUM(e.amount_micros), 0), t.kind FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.txn = t.id AND e.account = ?
                WHERE t.account = ? AND t.ref = ? AND t.kind IN ('topup', 'adjustment') GROUP BY t.id
                """, arguments: [account, account, reference]
        ).map { ($0[0], $0[1], $0[2]) }
    }

    // MARK: Reservations

    public struct Reservation: Sendable, Equatable {
        public var id: Int64
        public var account: String
        public var extension_: String?
        public var number: String
        public var e164: String?
        public var micros: Int64
        public var maxDurationSeconds: Int?
        public var createdAt: Int64
        public var expiresAt: Int64
        public var state: String
    }

    /// Holds `micros` of `account` (moved to its hold account) until `expiresAt`.
    public func reserve(account: String, extension_: String?, number: String, e164: String?, micros: Int64, maxDurationSeconds: Int?, expiresAt: Int64) throws -> Int64 {
        try db.cachedStatement(
            sql: """
                INSERT INTO reservations (account, extension, number, e164, amount_micros, max_duration_s, created_at, expires_at, state)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held')
                """
        ).execute(arguments: [account, extension_, number, e164, micros, maxDurationSeconds, now, expiresAt])
        let id = db.lastInsertedRowID
        try post(kind: "reserve", account: account, legs: [(account, -micros), (Ledger.held(account), micros)], reservation: id)
        return id
    }

    static func reservation(_ r: Row) -> Reservation {
        Reservation(
            id: r[0], account: r[1], extension_: r[2], number: r[3], e164: r[4], micros: r[5], maxDurationSeconds: r[6], createdAt: r[7], expiresAt: r[8],
            state: r[9])
    }

    static let reservationColumns = "id, account, extension, number, e164, amount_micros, max_duration_s, created_at, expires_at, state"

    public func reservation(id: Int64) throws -> Reservation? {
        try Row.fetchOne(db, sql: "SELECT \(LedgerTransaction.reservationColumns) FROM reservations WHERE id = ?", arguments: [id]).map(LedgerTransaction.reservation)
    }

    /// Held reservations of an account, oldest first.
    public func held(account: String) throws -> [Reservation] {
        try Row.fetchAll(
            db, sql: "SELECT \(LedgerTransaction.reservationColumns) FROM reservations WHERE account = ? AND state = 'held' ORDER BY id", arguments: [account]
        ).map(LedgerTransaction.reservation)
    }

    /// Held reservations whose time is up (all accounts, or one).
    public func due(at time: Int64, account: String? = nil, limit: Int = 1000) throws -> [Reservation] {
        // Two statements, so each walks its index (account, state, expires_at) or (state, expires_at)
        // to the due rows only, however many reservations are held.
        let columns = LedgerTransaction.reservationColumns
        if let account {
            return try Row.fetchAll(
                db, sql: "SELECT \(columns) FROM reservations WHERE account = ? AND state = 'held' AND expires_at <= ? LIMIT ?", arguments: [account, time, limit]
            ).map(LedgerTransaction.reservation)
        }
        return try Row.fetchAll(db, sql: "SELECT \(columns) FROM reservations WHERE state = 'held' AND expires_at <= ? LIMIT ?", arguments: [time, limit])
            .map(LedgerTransaction.reservation)
    }

    /// Ends a held reservation: its hold goes back to the account (`released`, `expired`), or is
    /// settled by a call (`consumed`, with the call's own debit posted by the caller).
    public func settle(_ r: Reservation, state: String, callRow: Int64? = nil) throws {
        try db.cachedStatement(sql: "UPDATE reservations SET state = ?, call_row = ?, settled_at = ? WHERE id = ? AND state = 'held'")
            .execute(arguments: [state, callRow, now, r.id])
        guard db.changesCount == 1 else { return }
        try post(kind: "release", account: r.account, legs: [(Ledger.held(r.account), -r.micros), (r.account, r.micros)], callRow: callRow, reservation: r.id, memo: state)
    }

    // MARK: Calls to charge

    /// A stored call, as charging needs it.
    public struct Call: Sendable {
        public var row: Int64
        public var startUTC: Int64?
        public var durationSeconds: Int?
        public var direction: String?
        public var extension_: String?
        public var number: String?
        public var rating: String?
        public var costMicros: Int64?
        public var costInclVATMicros: Int64?
    }

    /// Calls stored after the cursor, in row order.
    public func callsToCharge(limit: Int = 1000) throws -> [Call] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT id, start_utc, duration_s, direction, extension, number, rating, cost_micros, cost_incl_vat_micros FROM calls
                WHERE id > (SELECT call_row FROM ledger_cursor WHERE id = 1) ORDER BY id LIMIT ?
                """, arguments: [limit]
        ).map {
            Call(row: $0[0], startUTC: $0[1], durationSeconds: $0[2], direction: $0[3], extension_: $0[4], number: $0[5], rating: $0[6], costMicros: $0[7],
                 costInclVATMicros: $0[8])
        }
    }

    public func advanceCursor(to row: Int64) throws {
        try db.execute(sql: "UPDATE ledger_cursor SET call_row = MAX(call_row, ?) WHERE id = 1", arguments: [row])
    }

    /// An event (stream and webhooks) in this transaction.
    public func event(type: String, json: String) throws {
        _ = try CallStore.insertEvent(db, CallStore.NewEvent(type: type, destination: nil, json: json), routes: routes, at: now)
    }
}

extension CallStore {
    static func migratePrepaid(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE ledger_accounts (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,         -- main, sub, held, system
                    name TEXT,
                    currency TEXT NOT NULL,
                    created_at INTEGER NOT NULL
                ) STRICT;
                CREATE TABLE ledger_transactions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at_utc INTEGER NOT NULL,
                    kind TEXT NOT NULL,         -- topup, call, reserve, release, adjustment
                    account TEXT NOT NULL,      -- the customer account it concerns
                    ref TEXT,
                    call_row INTEGER,
                    reservation INTEGER,
                    memo TEXT
                ) STRICT;
                CREATE UNIQUE INDEX ledger_topup_ref ON ledger_transactions (account, ref) WHERE kind IN ('topup', 'adjustment');
                CREATE UNIQUE INDEX ledger_call ON ledger_transactions (call_row) WHERE kind = 'call';
                CREATE INDEX ledger_transactions_at ON ledger_transactions (at_utc);
                CREATE TABLE ledger_entries (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    txn INTEGER NOT NULL REFERENCES ledger_transactions(id),
                    account TEXT NOT NULL REFERENCES ledger_accounts(id),
                    amount_micros INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX ledger_entries_account ON ledger_entries (account, txn);
                CREATE INDEX ledger_entries_txn ON ledger_entries (txn);
                -- Entries are never changed: a correction is a new transaction.
                CREATE TRIGGER ledger_entries_append_only_u BEFORE UPDATE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
                CREATE TRIGGER ledger_entries_append_only_d BEFORE DELETE ON ledger_entries BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
                CREATE TABLE reservations (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    account TEXT NOT NULL,
                    extension TEXT,
                    number TEXT NOT NULL,
                    e164 TEXT,
                    amount_micros INTEGER NOT NULL,
                    max_duration_s INTEGER,
                    created_at INTEGER NOT NULL,
                    expires_at INTEGER NOT NULL,
                    state TEXT NOT NULL,        -- held, consumed, released, expired
                    call_row INTEGER,
                    settled_at INTEGER
                ) STRICT;
                CREATE INDEX reservations_held ON reservations (state, expires_at);
                CREATE INDEX reservations_account ON reservations (account, state, expires_at);
                CREATE TABLE ledger_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), call_row INTEGER NOT NULL) STRICT;
                """)
    }
}

/// A movement or a balance beyond the ledger's documented bounds (``Ledger/maximumMovementMicros``,
/// ``Ledger/maximumBalanceMicros``): refused with this, before anything is written.
public struct LedgerLimitError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
