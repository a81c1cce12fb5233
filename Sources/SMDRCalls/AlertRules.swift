import SMDRCore
import SMDRRating

/// Set monitoring, as the PBX's: per station or group, thresholds on a call's cost and duration and
/// monitored prefixes (international, premium). Each match is an `alert` event and webhook.
public struct AlertRule: Sendable, Equatable, Codable {
    public var name: String
    /// Stations the rule watches (empty with no group: every station).
    public var stations: [String]?
    public var group: String?
    /// Cost before VAT above which a call alerts (decimal string).
    public var costOver: String?
    public var durationOver: Int?
    /// Dialled-number prefixes that alert (`00`, `089`…), matched on the digits.
    public var prefixes: [String]?

    enum CodingKeys: String, CodingKey {
        case name, stations, group, prefixes
        case costOver = "cost_over"
        case durationOver = "duration_over"
    }

    public init(name: String, stations: [String]? = nil, group: String? = nil, costOver: String? = nil, durationOver: Int? = nil, prefixes: [String]? = nil) {
        self.name = name
        self.stations = stations
        self.group = group
        self.costOver = costOver
        self.durationOver = durationOver
        self.prefixes = prefixes
    }
}

public struct Alert: Sendable, Equatable, Codable {
    public var kind: String
    public var rule: String?
    public var station: String?
    public var source: String?
    public var message: String
    public var callKey: String?
    public var offset: Int64?

    enum CodingKeys: String, CodingKey {
        case kind, rule, station, source, message, offset
        case callKey = "call_key"
    }

    public init(kind: String, rule: String? = nil, station: String? = nil, source: String? = nil, message: String, callKey: String? = nil, offset: Int64? = nil) {
        self.kind = kind
        self.rule = rule
        self.station = station
        self.source = source
        self.message = message
        self.callKey = callKey
        self.offset = offset
    }
}

public struct AlertRules: Sendable {
    public var rules: [AlertRule]
    public var stations: [String: StationSettings]

    public init(rules: [AlertRule], stations: [String: StationSettings]) {
        self.rules = rules
        self.stations = stations
    }

    /// Checked once per leg (each party's own record): what it crossed.
    public func check(_ r: CallRecord, party: String?, charge: LegCharge?, source: String, callKey: String?) -> [Alert] {
        var out: [Alert] = []
        for rule in rules where applies(rule, to: party) {
            var why: [String] = []
            if let limit = rule.costOver.flatMap({ Money($0) }), let cost = charge?.costMicros, cost > limit.micros {
                why.append("cost \(charge?.text(cost) ?? "") over \(rule.costOver ?? "")")
            }
            if let limit = rule.durationOver, let d = r.durationSeconds, d > limit {
                why.append("duration \(d) s over \(limit) s")
            }
            if let prefixes = rule.prefixes, r.direction == .outgoing, let number = r.number ?? r.dialed {
                let digits = String(number.filter { $0.isNumber || $0 == "+" })
                if let p = prefixes.first(where: { digits.hasPrefix($0) }) { why.append("monitored prefix \(p)") }
            }
            if !why.isEmpty {
                let who = party ?? "?"
                out.append(Alert(kind: "call", rule: rule.name, station: party, source: source,
                                 message: "station \(who): \(why.joined(separator: ", ")) (rule \(rule.name))", callKey: callKey, offset: r.offset))
            }
        }
        return out
    }

    func applies(_ rule: AlertRule, to party: String?) -> Bool {
        if let list = rule.stations, !list.isEmpty { return party.map(list.contains) ?? false }
        if let group = rule.group { return party.flatMap { stations[$0]?.group } == group }
        return true
    }
}
