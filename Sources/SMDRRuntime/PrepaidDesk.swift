import Foundation
import SMDRCalls
import SMDRCore
import SMDRPrepaid
import SMDRRating
import SMDRStore

/// The prepaid side: authorises calls against balances (reserving their maximum cost), charges
/// stored calls to the account of their extension (the main account when they reached none),
/// releases reservations whose call never came, takes top-ups, and raises low-balance, arrears
/// and suspension alerts as events.
public final class PrepaidDesk: PrepaidOperations, @unchecked Sendable {
    public let plan: PrepaidPlan
    public let ledger: Ledger
    let rater: Rater
    let limits: DurationLimits
    public let timeZone: TimeZone
    let book: AccountBook?
    /// Called after events were committed (wakes the event stream and webhooks).
    public var onEvents: (@Sendable () -> Void)?

    var currency: String { rater.tariff.currency }
    var decimals: Int { rater.tariff.decimals }

    public init(
        plan: PrepaidPlan, rater: Rater, store: CallStore, limits: DurationLimits = DurationLimits(), timeZone: TimeZone = .current, book: AccountBook? = nil,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) throws {
        self.plan = plan
        self.rater = rater
        self.limits = limits
        self.timeZone = timeZone
        self.book = book
        ledger = Ledger(store: store, clock: clock)
        try ledger.open(accounts: plan.allAccounts.map { ($0.id, $0.id == PrepaidPlan.mainID ? "main" : "sub", $0.name) }, currency: rater.tariff.currency)
    }

    // MARK: Authorisation

    public func authorize(_ q: AuthorizationRequest) throws -> AuthorizationDecision {
        let ext = q.extension_.flatMap { $0.isEmpty ? nil : $0 }
        let requested = q.language.flatMap { plan.messages.has($0) ? $0 : nil }
        var d = AuthorizationDecision(allowed: false, language: requested ?? plan.language, currency: currency, decimals: decimals, warnBefore: plan.warnBefore)
        d.extension_ = ext
        func refuse(_ reason: RefusalReason) -> AuthorizationDecision {
            d.allowed = false
            d.reason = reason
            d.message = plan.messages.text(reason, language: d.language)
            d.maxDurationSeconds = nil
            return d
        }
        let account: PrepaidPlan.Account
        if let ext {
            guard let a = plan.accountOfExtension[ext].flatMap({ plan.account(id: $0) }) else { return refuse(.unknownExtension) }
            account = a
        } else {
            account = plan.main
        }
        d.account = account.id
        d.language = requested ?? account.language ?? plan.language
        let now = ledger.clock()
        let start = ZonedTime(utc: now, offset: Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(now)))))
        let stationLimit = limits.limit(for: ext)
        // The price of `seconds` of this call, as it will be debited.
        var cost: (Int) -> Money = { _ in .zero }
        var free = false
        if q.incoming {
            if let entry = plan.incoming {
                d.rate = entry
                d.destination = "incoming"
                cost = { [rater, plan] s in
                    let p = rater.price(entry, seconds: s)
                    return plan.chargeVAT ? p.total : p.cost
                }
            } else {
                free = true
            }
        } else {
            var r = CallRecord(format: "authorize", raw: "", line: 0)
            r.direction = .outgoing
            r.answered = true
            r.number = q.number
            r.trunk = q.trunk
            r.extension_ = ext
            r.start = start
            r.durationSeconds = 1
            let probe = rater.rate(r)
            d.e164 = probe.e164
            switch probe.status {
            case .free:
                free = true
                d.destination = probe.destination
            case .unrated:
                return refuse(.destinationBarred)
            case .rated:
                guard let e164 = probe.e164, !plan.isBarred(e164) else { return refuse(.destinationBarred) }
                d.destination = probe.destination
                if let (entry, band) = rater.entry(e164: e164, trunk: q.trunk, start: start) {
                    d.rate = entry
                    d.band = band
                }
                cost = { [rater, plan] s in
                    var call = r
                    call.durationSeconds = s
                    let g = rater.rate(call)
                    return plan.chargeVAT ? g.costInclVAT : g.cost
                }
            }
        }
        return try write { tx in
            try expire(tx, account: account.id)
            if account.id != PrepaidPlan.mainID { try expire(tx, account: PrepaidPlan.mainID) }
            let available = Money(micros: tx.balance(account.id) - account.minimum.micros)
            d.available = available
            // Emergency and toll-free numbers go through whatever the balances.
            if free {
                d.allowed = true
                d.maxDurationSeconds = stationLimit
                return d
            }
            if funds(tx, PrepaidPlan.mainID) < plan.main.minimum.micros { return refuse(.mainAccountSuspended) }
            let cap = min(plan.maxCallSeconds, stationLimit ?? Int.max)
            guard let longest = CallBudget.longest(cap: cap, available: available, cost: cost) else {
                return refuse(account.id == PrepaidPlan.mainID ? .mainAccountSuspended : .extensionInArrears)
            }
            let hold = cost(longest)
            let expires = tx.now + Int64(longest + plan.holdExtraSeconds)
            d.allowed = true
            d.maxDurationSeconds = longest
            d.reserved = hold
            d.available = available - hold
            d.expiresAt = expires
            d.reservation = try tx.reserve(
                account: account.id, extension_: ext, number: q.number, e164: d.e164, micros: hold.micros, maxDurationSeconds: longest, expiresAt: expires)
            return d
        }
    }

    public func release(authorization id: Int64) throws -> Bool {
        try write { tx in
            guard let r = try tx.reservation(id: id), r.state == "held" else { return false }
            try tx.settle(r, state: "released")
            return true
        }
    }

    /// Releases reservations whose time is up (their call never came, or its record is lost).
    @discardableResult
    public func expireDue() throws -> Int {
        try write { tx in try expire(tx, account: nil) }
    }

    @discardableResult
    func expire(_ tx: LedgerTransaction, account: String?) throws -> Int {
        let due = try tx.due(at: tx.now, account: account)
        for r in due { try tx.settle(r, state: "expired") }
        return due.count
    }

    // MARK: Charging calls

    /// Charges the calls stored since the last time, in row order, each once: to the account of
    /// its extension, or the main account. A call consumes the reservation its authorisation
    /// made (same account, extension and number). Returns the calls charged.
    @discardableResult
    public func chargeNewCalls() throws -> Int {
        var total = 0
        while true {
            let n = try write { tx -> Int in
                let calls = try tx.callsToCharge(limit: 500)
                for c in calls { try charge(c, tx) }
                if let last = calls.last { try tx.advanceCursor(to: last.row) }
                return calls.count
            }
            total += n
            if n < 500 { return total }
        }
    }

    func charge(_ c: LedgerTransaction.Call, _ tx: LedgerTransaction) throws {
        let accountID = c.extension_.flatMap { plan.accountOfExtension[$0] } ?? PrepaidPlan.mainID
        var amount: Int64 = 0
        if c.direction == "outgoing" {
            amount = (plan.chargeVAT ? c.costInclVATMicros : c.costMicros) ?? 0
        } else if c.direction == "incoming", let entry = plan.incoming, let s = c.durationSeconds, s > 0 {
            let p = rater.price(entry, seconds: s)
            amount = (plan.chargeVAT ? p.total : p.cost).micros
        }
        if let number = c.number, c.direction == "outgoing" || c.direction == "incoming" {
            let callNumber = rater.tariff.numbering.international(number) ?? PrepaidDesk.digits(number)
            if let r = try tx.held(account: accountID).first(where: { $0.extension_ == c.extension_ && PrepaidDesk.same($0.e164 ?? PrepaidDesk.digits($0.number), callNumber) }) {
                try tx.settle(r, state: "consumed", callRow: c.row)
            }
        }
        guard amount > 0 else { return }
        try tx.post(kind: "call", account: accountID, legs: [(accountID, -amount), (Ledger.calls, amount)], callRow: c.row)
    }

    static func digits(_ s: String) -> String { String(s.filter { $0.isASCII && $0.isNumber }) }

    /// The same number, allowing for a prefix one side recorded and the other did not.
    static func same(_ a: String, _ b: String) -> Bool {
        guard !a.isEmpty, !b.isEmpty else { return false }
        return a == b || (min(a.count, b.count) >= 6 && (a.hasSuffix(b) || b.hasSuffix(a)))
    }

    // MARK: Top-ups and accounts

    public func topup(_ idOrExtension: String, amount: Money, reference: String, memo: String? = nil, adjustment: Bool = false) throws -> TopupResult {
        guard let account = plan.resolve(idOrExtension) else { throw PrepaidError(.notFound, "no account or extension \(idOrExtension)") }
        let ref = reference.trimmingCharacters(in: .whitespaces)
        guard !ref.isEmpty, ref.count <= 128 else { throw PrepaidError(.invalid, "a top-up needs a reference (1 to 128 characters): the receipt or transfer number") }
        guard adjustment ? amount != .zero : amount > .zero else {
            throw PrepaidError(.invalid, adjustment ? "an adjustment is not zero" : "a top-up is above zero (use an adjustment to take money back)")
        }
        guard amount.fits(places: decimals) else { throw PrepaidError(.invalid, "\(amount) has more than \(decimals) decimals (\(currency))") }
        guard amount.micros.magnitude <= Ledger.maximumMovementMicros else {
            throw PrepaidError(.invalid, "\(amount.string(places: decimals)) is above the largest movement, \(Ledger.maximumMovementMicros / 1_000_000) \(currency)")
        }
        let (txn, created): (Int64, Bool)
        do {
            (txn, created) = try topupWrite(account: account, reference: ref, amount: amount, memo: memo, adjustment: adjustment)
        } catch let e as LedgerLimitError {
            throw PrepaidError(.invalid, e.description)
        }
        return TopupResult(transaction: txn, created: created, account: try state(account))
    }

    private func topupWrite(account: PrepaidPlan.Account, reference ref: String, amount: Money, memo: String?, adjustment: Bool) throws -> (Int64, Bool) {
        try write { tx -> (Int64, Bool) in
            if let done = try tx.topup(account: account.id, reference: ref) {
                guard done.micros == amount.micros, done.kind == (adjustment ? "adjustment" : "topup") else {
                    throw PrepaidError(
                        .conflict,
                        "reference \(ref) already used on \(account.id) for \(done.kind) \(Money(micros: done.micros).string(places: decimals)); a new movement needs a new reference")
                }
                return (done.transaction, false)
            }
            let source = adjustment ? Ledger.adjustments : Ledger.topups
            let id = try tx.post(
                kind: adjustment ? "adjustment" : "topup", account: account.id, legs: [(account.id, amount.micros), (source, -amount.micros)], reference: ref,
                memo: memo)
            return (id, true)
        }
    }

    public func accounts() throws -> [AccountState] { try plan.allAccounts.map(state) }

    public func account(_ idOrExtension: String) throws -> AccountState? { try plan.resolve(idOrExtension).map(state) }

    func state(_ a: PrepaidPlan.Account) throws -> AccountState {
        let b = try ledger.balances([a.id, Ledger.held(a.id)])
        let available = b[a.id] ?? 0, held = b[Ledger.held(a.id)] ?? 0
        return AccountState(
            account: a, balance: Money(micros: available + held), available: Money(micros: available - a.minimum.micros), held: Money(micros: held),
            state: PrepaidDesk.state(a, funds: available + held), currency: currency, decimals: decimals)
    }

    static func state(_ a: PrepaidPlan.Account, funds: Int64) -> AccountState.State {
        if a.id == PrepaidPlan.mainID {
            if funds < a.minimum.micros { return .suspended }
        } else if funds <= 0 {
            return .inArrears
        }
        if let low = a.lowBalance, funds < low.micros { return .low }
        return .ok
    }

    public func statement(_ idOrExtension: String, fromUTC: Int64, toUTC: Int64) throws -> Statement {
        guard let account = plan.resolve(idOrExtension) else { throw PrepaidError(.notFound, "no account or extension \(idOrExtension)") }
        guard fromUTC < toUTC else { throw PrepaidError(.invalid, "the period ends before it starts") }
        let m = try ledger.movements(account: account.id, fromUTC: fromUTC, toUTC: toUTC)
        var balance = m.opening
        let lines = m.lines.map { x -> Statement.Line in
            balance += x.amount
            let mask = book?.account(x.accountCode)?.maskDigits ?? 0
            return Statement.Line(
                transaction: x.transaction, at: zoned(x.callStartUTC ?? x.at), kind: Statement.Line.Kind(rawValue: x.kind) ?? .adjustment,
                reference: x.reference, extension_: x.extension_, number: x.number.map { AccountBook.mask($0, digits: mask) }, durationSeconds: x.durationSeconds,
                callRow: x.callRow, amount: Money(micros: x.amount), balance: Money(micros: balance))
        }
        return Statement(
            account: account.id, name: account.name, extensions: account.extensions, currency: currency, decimals: decimals, from: zoned(fromUTC),
            to: zoned(toUTC), opening: Money(micros: m.opening), closing: Money(micros: balance), held: Money(micros: m.heldAtEnd), lines: lines)
    }

    func zoned(_ utc: Int64) -> ZonedTime {
        ZonedTime(utc: utc, offset: Int32(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc)))))
    }

    // MARK: Alerts

    /// A ledger write that raises an `alert` event in the same transaction when an account
    /// crosses its low-balance threshold, falls into arrears, or (the main account) its minimum.
    func write<T>(_ body: (LedgerTransaction) throws -> T) throws -> T {
        var raised = false
        let result = try ledger.write { tx -> T in
            let r = try body(tx)
            for a in plan.allAccounts {
                let held = Ledger.held(a.id)
                guard tx.before[a.id] != nil || tx.before[held] != nil else { continue }
                let before = (tx.before[a.id] ?? tx.balance(a.id)) + (tx.before[held] ?? tx.balance(held))
                let after = funds(tx, a.id)
                for (kind, message) in PrepaidDesk.crossings(a, before: before, after: after, decimals: decimals, currency: currency) {
                    try tx.event(type: "alert", json: alertJSON(kind: kind, account: a, funds: after, message: message))
                    Log.warning("ALARM \(kind): \(message)")
                    raised = true
                }
            }
            return r
        }
        if raised { onEvents?() }
        return result
    }

    func funds(_ tx: LedgerTransaction, _ id: String) -> Int64 { tx.balance(id) + tx.balance(Ledger.held(id)) }

    /// The thresholds a movement from `before` to `after` crossed, with what to say.
    static func crossings(_ a: PrepaidPlan.Account, before: Int64, after: Int64, decimals: Int, currency: String) -> [(String, String)] {
        var out: [(String, String)] = []
        let shown = Money(micros: after).string(places: decimals) + " " + currency
        let label = a.name.map { "\(a.id) (\($0))" } ?? a.id
        if a.id == PrepaidPlan.mainID {
            let min = a.minimum.micros
            if before >= min && after < min {
                out.append(("main_account_suspended", "main account \(shown), below its minimum \(a.minimum.string(places: decimals)): the number is suspended until topped up"))
            } else if before < min && after >= min {
                out.append(("main_account_restored", "main account \(shown), back above its minimum: calls are authorised again"))
            }
        } else if before > 0 && after <= 0 {
            out.append(("in_arrears", "account \(label) is in arrears (\(shown)): its extensions are refused until it is topped up"))
        }
        if let low = a.lowBalance?.micros, before >= low && after < low && after > (a.id == PrepaidPlan.mainID ? a.minimum.micros - 1 : 0) {
            out.append(("low_balance", "account \(label) is low: \(shown) (threshold \(Money(micros: low).string(places: decimals)))"))
        }
        return out
    }

    func alertJSON(kind: String, account: PrepaidPlan.Account, funds: Int64, message: String) -> String {
        var w = JSONWriter()
        w.open()
        w.key("kind")
        w.string(kind)
        w.key("message")
        w.string(message)
        w.key("source")
        w.null()
        w.key("account")
        w.string(account.id)
        w.key("name")
        w.string(account.name)
        w.key("balance")
        w.string(Money(micros: funds).string(places: decimals))
        w.key("currency")
        w.string(currency)
        w.close()
        return w.text
    }
}
