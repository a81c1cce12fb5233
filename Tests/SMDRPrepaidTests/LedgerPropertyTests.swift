import Foundation
import SMDRCore
import SMDRPrepaid
import SMDRRating
import SMDRRuntime
import SMDRStore
import Testing

/// A seeded generator, so a failing sequence can be replayed from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random sequences of top-ups, authorisations, calls (on time, late, missing, several at once on
/// one balance), releases and clock jumps, against a real SQLite ledger. After every step the
/// double-entry rules hold; no balance goes below what authorised calls may spend; at the end
/// every reservation is consumed, released or expired.
struct LedgerPropertyTests {
    struct Active {
        var decision: AuthorizationDecision
        var extension_: String?
        var number: String
        var at: Int64
    }

    @Test(arguments: Array(UInt64(1)...12))
    func randomSequences(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = TestClock(1_790_000_000)
        let rater = Rater(tariff: try prepaidTariff())
        let plan = try prepaidPlan()
        let desk = try PrepaidDesk(plan: plan, rater: rater, store: store, timeZone: TimeZone(identifier: "Europe/Paris")!, clock: { clock.now })
        let extensions: [String?] = ["201", "202", "301", nil, "999"]
        let numbers = ["0142681234", "0612345678", "00442071234567", "112", "0088112345678", "0699887766", "12"]
        // What the test expects each account to hold: top-ups minus the calls charged to it.
        var expected: [String: Int64] = [:]
        var active: [Active] = []
        var late: [Active] = []
        var references: [(account: String, ref: String, amount: Money)] = []
        var offset: Int64 = 0
        var tainted = Set<String>()  // accounts a late record was charged to
        var reservations: [Int64] = []

        func account(_ ext: String?) -> String { ext.flatMap { plan.accountOfExtension[$0] } ?? PrepaidPlan.mainID }

        func deliver(_ a: Active, seconds: Int, isLate: Bool) throws {
            offset += 1
            try storeCall(store, rater: rater, offset: offset, extension_: a.extension_, number: a.number, seconds: seconds, at: a.at)
            try desk.chargeNewCalls()
            var r = CallRecord(format: "t", raw: "", line: 0)
            r.start = ZonedTime(utc: a.at, offset: 3600)
            r.durationSeconds = seconds
            r.direction = .outgoing
            r.answered = seconds > 0
            r.number = a.number
            let cost = rater.rate(r).costInclVAT.micros
            expected[account(a.extension_), default: 0] -= cost
            if isLate && cost > 0 { tainted.insert(account(a.extension_)) }
        }

        // Most sequences start with the number's account funded; the others start suspended.
        if seed % 4 != 0 {
            let amount = Money(micros: Int64.random(in: 2_000...6_000, using: &rng) * 10_000)
            _ = try desk.topup("main", amount: amount, reference: "opening")
            expected[PrepaidPlan.mainID] = amount.micros
        }
        for step in 0..<160 {
            var availableBefore: [String: Money] = [:]
            for a in plan.allAccounts { availableBefore[a.id] = try desk.account(a.id)!.available }
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<18:
                let acc = ["paris", "lyon", "main", "201", "301"].randomElement(using: &rng)!
                let reuse = !references.isEmpty && Bool.random(using: &rng) && Int.random(in: 0..<4, using: &rng) == 0
                if reuse {
                    let old = references.randomElement(using: &rng)!
                    let again = try desk.topup(old.account, amount: old.amount, reference: old.ref)
                    #expect(!again.created, "seed \(seed) step \(step): a reference used twice credits once")
                    #expect(throws: PrepaidError.self) { try desk.topup(old.account, amount: old.amount + Money(micros: 10_000), reference: old.ref) }
                } else {
                    let amount = Money(micros: Int64.random(in: 1...2_500, using: &rng) * 10_000)
                    let ref = "R\(seed)-\(step)"
                    let done = try desk.topup(acc, amount: amount, reference: ref)
                    #expect(done.created)
                    references.append((acc, ref, amount))
                    expected[plan.resolve(acc)!.id, default: 0] += amount.micros
                }
            case 18..<55:
                let ext = extensions.randomElement(using: &rng)!
                let number = numbers.randomElement(using: &rng)!
                let acc = account(ext)
                let before = try desk.account(acc)!
                let d = try desk.authorize(AuthorizationRequest(extension_: ext, number: number))
                if ext == "999" { #expect(d.reason == .unknownExtension) }
                if number == "112" && ext != "999" { #expect(d.allowed, "emergency calls are never refused") }
                if (number.hasPrefix("00881") || number == "12") && ext != "999" { #expect(!d.allowed && d.reason == .destinationBarred) }
                if d.allowed, let max = d.maxDurationSeconds, d.reservation != nil {
                    // The hold is the cost of the longest call, it fits, and one second more would not.
                    #expect(d.reserved <= before.available, "seed \(seed) step \(step)")
                    var r = CallRecord(format: "t", raw: "", line: 0)
                    r.start = ZonedTime(utc: clock.now, offset: 3600)
                    r.direction = .outgoing
                    r.answered = true
                    r.number = number
                    r.durationSeconds = max
                    #expect(rater.rate(r).costInclVAT == d.reserved)
                    if max < plan.maxCallSeconds {
                        r.durationSeconds = max + 1
                        #expect(rater.rate(r).costInclVAT > before.available, "seed \(seed) step \(step): the limit is the longest affordable")
                    }
                    reservations.append(d.reservation!)
                    active.append(Active(decision: d, extension_: ext, number: number, at: clock.now))
                } else if !d.allowed, d.reason == .extensionInArrears || d.reason == .mainAccountSuspended {
                    #expect(d.message?.isEmpty == false)
                }
            case 55..<75 where !active.isEmpty:
                // A call ends: its record arrives on time, is lost, or comes after its reservation expired.
                let a = active.remove(at: Int.random(in: 0..<active.count, using: &rng))
                let seconds = Int.random(in: 0...(a.decision.maxDurationSeconds ?? 60), using: &rng)
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: break  // missing: the PBX never printed it
                case 1: late.append(Active(decision: a.decision, extension_: a.extension_, number: a.number, at: a.at))
                default: try deliver(a, seconds: seconds, isLate: false)
                }
            case 75..<82 where !late.isEmpty:
                let a = late.removeFirst()
                if clock.now >= a.decision.expiresAt ?? 0 {
                    try deliver(a, seconds: Int.random(in: 0...(a.decision.maxDurationSeconds ?? 60), using: &rng), isLate: true)
                } else {
                    late.append(a)
                }
            case 82..<88 where !active.isEmpty:
                let a = active.remove(at: Int.random(in: 0..<active.count, using: &rng))
                // Still held unless it expired or a record of the same number consumed it.
                let held = try desk.ledger.reservationState(id: a.decision.reservation!) == "held"
                #expect(try desk.release(authorization: a.decision.reservation!) == held)
                #expect(try desk.ledger.reservationState(id: a.decision.reservation!) != "held")
                #expect(try !desk.release(authorization: a.decision.reservation!), "released once only")
            default:
                clock.advance(Int64.random(in: 0...1200, using: &rng))
                try desk.expireDue()
            }
            // The double-entry rules, from the file.
            let audit = try desk.ledger.audit()
            #expect(audit.isSound, "seed \(seed) step \(step): \(audit)")
            for a in plan.allAccounts {
                let s = try desk.account(a.id)!
                #expect(s.balance.micros == expected[a.id, default: 0], "seed \(seed) step \(step): \(a.id) holds top-ups minus its calls")
                // Only a record that came after its reservation expired can take an account below zero:
                // nothing an authorisation allowed ever does.
                if !tainted.contains(a.id) {
                    #expect(s.available >= min(availableBefore[a.id]!, .zero), "seed \(seed) step \(step): \(a.id) spent more than it had (\(s.available))")
                }
            }
        }
        // Calls still running end; lost records and ended ones leave nothing held once time is up.
        for a in active { try deliver(a, seconds: a.decision.maxDurationSeconds ?? 0, isLate: false) }
        clock.advance(Int64(plan.maxCallSeconds + plan.holdExtraSeconds + 1))
        try desk.expireDue()
        let counts = try desk.ledger.reservationCounts()
        #expect(counts["held"] == nil, "seed \(seed): every reservation is consumed, released or expired: \(counts)")
        #expect(counts.values.reduce(0, +) == reservations.count)
        #expect(try desk.ledger.audit().isSound)
        for a in plan.allAccounts { #expect(try desk.account(a.id)!.held == .zero) }
    }

    /// Two calls at once on one balance cannot both spend it.
    @Test func concurrentAuthorisationsShareTheBalance() async throws {
        let (store, dir) = try temporaryStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rater = Rater(tariff: try prepaidTariff())
        let desk = try PrepaidDesk(plan: try prepaidPlan(), rater: rater, store: store)
        _ = try desk.topup("main", amount: Money("50.00")!, reference: "transfer-1")
        _ = try desk.topup("paris", amount: Money("3.00")!, reference: "cash-1")
        let decisions = try await withThrowingTaskGroup(of: AuthorizationDecision.self) { group in
            for k in 0..<40 {
                group.addTask { try desk.authorize(AuthorizationRequest(extension_: k % 2 == 0 ? "201" : "202", number: "0612345678")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let held = decisions.filter(\.allowed).reduce(Money.zero) { $0 + $1.reserved }
        #expect(held <= Money("3.00")!)
        #expect(decisions.contains { $0.allowed } && decisions.contains { $0.reason == .extensionInArrears })
        let paris = try desk.account("paris")!
        #expect(paris.available >= .zero && paris.held == held)
        #expect(try desk.ledger.audit().isSound)
    }
}

/// Top-ups near the bounds are refused with a reason, never a crash: the single movement above
/// the maximum, and the one that would take the shared system account past the maximum balance.
@Test func topupsNearTheLimitsAreRefusedNotACrash() throws {
    let (store, _) = try temporaryStore()
    let rater = Rater(tariff: try prepaidTariff())
    let desk = try PrepaidDesk(plan: try prepaidPlan(), rater: rater, store: store)
    let account = try #require(try desk.accounts().first?.account.id)
    #expect(Money("999999999999.99") == nil, "past Money.maximum an amount is not read at all")
    #expect(throws: PrepaidError.self) { try desk.topup(account, amount: Money(micros: Money.maximum.micros + 10_000), reference: "huge") }
    var accepted = 0
    var refused: PrepaidError?
    for k in 0..<1_100 {
        do {
            _ = try desk.topup(account, amount: Money("999999999.99")!, reference: "r\(k)")
            accepted += 1
        } catch let e as PrepaidError {
            refused = e
            break
        }
    }
    #expect(accepted == 1_000, "10^12 units at most on any account, the topups system account included")
    #expect(refused?.kind == .invalid)
    #expect(refused?.description.contains("maximum balance") == true)
    #expect(try desk.ledger.audit().isSound, "the books still balance")
}

/// Seeded random top-ups and adjustments of amounts close to the largest movement, on two accounts
/// and the shared system accounts: every one is either posted or refused with `.invalid`, never a
/// crash; no balance passes the maximum; the books balance after each step; the balance is exactly
/// the sum of what was posted.
@Test(arguments: Array(UInt64(1)...6))
func movementsNearTheLimitsKeepTheBooks(seed: UInt64) throws {
    var rng = SplitMix64(state: seed)
    let (store, _) = try temporaryStore()
    let desk = try PrepaidDesk(plan: try prepaidPlan(), rater: Rater(tariff: try prepaidTariff()), store: store)
    let accounts = try desk.accounts().map(\.account.id).prefix(2)
    var expected: [String: Int64] = [:]
    for a in accounts { expected[a] = try #require(try desk.accounts().first { $0.account.id == a }).balance.micros }
    let big = Money.maximum.micros
    var posted = 0, refused = 0
    for step in 0..<400 {
        let account = accounts[accounts.startIndex + Int(rng.next() % UInt64(accounts.count))]
        let adjustment = rng.next() % 4 == 0
        let cents = Int64(rng.next() % 3_000) * 10_000
        var micros = rng.next() % 8 == 0 ? big + 10_000 : big - cents  // sometimes a cent over the largest movement
        if adjustment { micros = -micros }
        do {
            let result = try desk.topup(account, amount: Money(micros: micros), reference: "s\(seed)-\(step)", adjustment: adjustment)
            posted += 1
            expected[account, default: 0] += micros
            #expect(result.account.balance.micros == expected[account], "step \(step)")
        } catch let e as PrepaidError {
            refused += 1
            #expect(e.kind == .invalid, "step \(step): \(e)")
        }
        #expect(try desk.ledger.audit().isSound, "step \(step): the books balance")
        for a in accounts {
            let balance = try #require(try desk.accounts().first { $0.account.id == a }).balance.micros
            #expect(balance.magnitude <= Ledger.maximumBalanceMicros)
            #expect(balance == expected[a], "step \(step): \(a) holds exactly what was posted")
        }
    }
    #expect(posted > 100 && refused > 10 && refused < 150, "both outcomes reached: \(posted) posted, \(refused) refused")
}
