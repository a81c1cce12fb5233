import SMDRCore
import SMDRRating

/// A whole call as the `call` event and the API show it: each leg with the party charged for it,
/// its own cost (the PBX resets its meter on transfer), and its duration-limit verdict.
public struct CallSummary: Sendable, Equatable, Codable {
    public struct Leg: Sendable, Equatable, Codable {
        public var party: String?
        public var partyName: String?
        public var role: String
        public var offset: Int64
        public var direction: String?
        public var number: String?
        public var trunk: String?
        public var start: String?
        public var durationSeconds: Int?
        public var holdSeconds: Int?
        public var units: Int?
        public var cost: String?
        public var costInclVAT: String?
        public var accountCode: String?
        /// When the leg had to end under the station's duration limit (ISO 8601, UTC seconds).
        public var allowedEndUTC: Int64?
        public var exceededSeconds: Int?

        enum CodingKeys: String, CodingKey {
            case party, role, offset, direction, number, trunk, start, units, cost
            case partyName = "party_name"
            case durationSeconds = "duration_s"
            case holdSeconds = "hold_s"
            case costInclVAT = "cost_incl_vat"
            case accountCode = "account_code"
            case allowedEndUTC = "allowed_end_utc"
            case exceededSeconds = "exceeded_s"
        }
    }

    public var callKey: String
    public var source: String
    public var external: Bool
    public var setUpBy: String?
    public var legs: [Leg]
    /// What each internal party is charged for the call (consultations excluded), exact.
    public var costByParty: [String: String]
    public var currency: String?

    enum CodingKeys: String, CodingKey {
        case source, external, legs, currency
        case callKey = "call_key"
        case setUpBy = "set_up_by"
        case costByParty = "cost_by_party"
    }

    public init(call: AssembledCall, source: String, charges: [Int64: LegCharge], verdicts: [DurationLimits.Verdict], names: [String: StationSettings]) {
        callKey = call.key
        self.source = source
        external = call.external
        setUpBy = call.setUpBy
        var byParty: [String: Int64] = [:]
        var decimals = 2
        var currency: String?
        legs = call.legs.enumerated().map { k, leg in
            let r = leg.record
            // A one-record call with two legs (Mitel transfer) is charged once, to the record's party.
            let own = k == 0 || leg.record.offset != call.legs[k - 1].record.offset
            let charge = own ? charges[r.offset] : nil
            if let c = charge {
                decimals = c.decimals
                currency = currency ?? c.currency
                if leg.role != .consultation, let cost = c.costMicros { byParty[leg.party ?? "?", default: 0] += cost }
            }
            let v = k < verdicts.count ? verdicts[k] : nil
            return Leg(
                party: leg.party, partyName: leg.partyName ?? leg.party.flatMap { names[$0]?.name }, role: leg.role.rawValue, offset: r.offset,
                direction: r.direction?.rawValue, number: (r.number ?? r.dialed).map { AccountBook.mask($0, digits: charge?.maskDigits ?? 0) },
                trunk: r.trunk, start: r.start?.iso8601, durationSeconds: own ? r.durationSeconds : nil, holdSeconds: own ? r.holdSeconds : nil,
                units: charge?.units ?? (own ? r.units : nil), cost: charge?.text(charge?.costMicros), costInclVAT: charge?.text(charge?.totalMicros),
                accountCode: r.accountCode, allowedEndUTC: v?.allowedEnd, exceededSeconds: v?.exceededBy)
        }
        costByParty = byParty.mapValues { Money(micros: $0).string(places: decimals) }
        self.currency = currency
    }

    /// The event's JSON, written by hand: one per call on the ingest path (Foundation's encoder
    /// would halve ingest speed). Same keys as the Codable form.
    public var jsonText: String {
        var w = JSONWriter()
        w.open()
        w.key("call_key"); w.string(callKey)
        w.key("source"); w.string(source)
        w.key("external"); w.bool(external)
        w.key("set_up_by"); w.string(setUpBy)
        w.key("currency"); w.string(currency)
        w.key("cost_by_party"); w.open()
        for (party, cost) in costByParty.sorted(by: { $0.key < $1.key }) {
            w.key(party); w.string(cost)
        }
        w.close()
        w.key("legs"); w.openArray()
        for leg in legs {
            w.element()
            w.open()
            // Facts the PBX did not give are left out of a leg (absent = null when decoded).
            func text(_ k: StaticString, _ v: String?) { if let v { w.key(k); w.string(v) } }
            func number(_ k: StaticString, _ v: Int?) { if let v { w.key(k); w.int(v) } }
            text("party", leg.party)
            text("party_name", leg.partyName)
            w.key("role"); w.string(leg.role)
            w.key("offset"); w.int64(leg.offset)
            text("direction", leg.direction)
            text("number", leg.number)
            text("trunk", leg.trunk)
            text("start", leg.start)
            number("duration_s", leg.durationSeconds)
            number("hold_s", leg.holdSeconds)
            number("units", leg.units)
            text("cost", leg.cost)
            text("cost_incl_vat", leg.costInclVAT)
            text("account_code", leg.accountCode)
            number("allowed_end_utc", leg.allowedEndUTC.map { Int($0) })
            number("exceeded_s", leg.exceededSeconds)
            w.close()
        }
        w.closeArray()
        w.close()
        return w.text
    }
}
