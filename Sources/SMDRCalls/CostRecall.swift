import SMDRCore
import SMDRRating

/// The cost-recall summary pushed to reception when the internal party of a transferred external
/// call hangs up (OmniPCX "rappel de taxation"): who had the call, who set it up, the external
/// number (masked as the business code asks), when, how long, units, cost before and with VAT,
/// business code and client. Money travels as decimal strings.
public struct CostRecall: Sendable, Equatable, Codable {
    public var callKey: String
    public var destination: String
    /// `monitoring` (the station's setting) or `request` (a manual "recall me" request).
    public var reason: String
    public var requestID: Int64?
    public var party: String?
    public var partyName: String?
    public var setUpBy: String?
    public var setUpByName: String?
    public var direction: String?
    public var externalNumber: String?
    public var trunk: String?
    public var start: String?
    public var durationSeconds: Int?
    public var units: Int?
    public var cost: String?
    public var vat: String?
    public var costInclVAT: String?
    public var currency: String?
    public var accountCode: String?
    public var client: String?
    public var printTicket: Bool
    /// Where the leg's record sits: its source and journal offset.
    public var source: String
    public var offset: Int64

    enum CodingKeys: String, CodingKey {
        case destination, reason, party, direction, trunk, start, units, cost, vat, currency, client, source, offset
        case callKey = "call_key"
        case requestID = "request_id"
        case partyName = "party_name"
        case setUpBy = "set_up_by"
        case setUpByName = "set_up_by_name"
        case externalNumber = "external_number"
        case durationSeconds = "duration_s"
        case costInclVAT = "cost_incl_vat"
        case accountCode = "account_code"
        case printTicket = "print_ticket"
    }

    /// The summary of `call`'s last leg.
    public init(call: AssembledCall, source: String, destination: String, reason: String, requestID: Int64? = nil, charge: LegCharge?, names: [String: StationSettings], printTicket: Bool) {
        let leg = call.lastLeg ?? call.legs[0]
        let r = leg.record
        callKey = call.key
        self.destination = destination
        self.reason = reason
        self.requestID = requestID
        party = leg.party
        partyName = leg.partyName ?? leg.party.flatMap { names[$0]?.name }
        setUpBy = call.setUpBy
        let first = call.legs.first { $0.role != .consultation }
        setUpByName = first?.partyName ?? call.setUpBy.flatMap { names[$0]?.name }
        direction = r.direction?.rawValue
        externalNumber = (r.number ?? r.dialed).map { AccountBook.mask($0, digits: charge?.maskDigits ?? 0) }
        trunk = r.trunk
        start = r.start?.iso8601
        durationSeconds = r.durationSeconds
        units = charge?.units ?? r.units
        cost = charge?.text(charge?.costMicros)
        vat = charge?.text(charge?.vatMicros)
        costInclVAT = charge?.text(charge?.totalMicros)
        currency = charge?.currency
        accountCode = r.accountCode
        client = charge?.client
        self.printTicket = printTicket
        self.source = source
        offset = r.offset
    }

    /// The line `recalls --follow` prints at the reception desk.
    public var summaryLine: String {
        let who = [party, partyName.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        let dur = durationSeconds.map(CostRecall.clock) ?? "?"
        var parts = ["\(destination): \(who.isEmpty ? "?" : who)", externalNumber ?? "number not given", dur]
        parts.append("\(units.map(String.init) ?? "?") units")
        if let cost { parts.append("\(cost) \(currency ?? "") excl. VAT") }
        if let costInclVAT { parts.append("\(costInclVAT) \(currency ?? "") incl. VAT") }
        if let accountCode { parts.append("code \(accountCode)" + (client.map { " \($0)" } ?? "")) }
        if let setUpBy { parts.append("set up by \(setUpBy)") }
        return parts.joined(separator: " · ")
    }

    /// `h:mm:ss`.
    static func clock(_ s: Int) -> String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(s / 3600):\(two(s / 60 % 60)):\(two(s % 60))"
    }
}
