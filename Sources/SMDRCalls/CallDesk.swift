import Foundation
import SMDRCore

/// The live side of one source: assembles its records into calls, decides cost recalls, checks
/// duration limits and alert rules, and says what to store and push. Pure: the ingester feeds it
/// records in order with their charges and receive times, and writes what it returns in the same
/// transaction as the records (so a crash loses or repeats no event).
///
/// When a recall fires:
/// - **monitoring**: the last leg of an external call is a transferred or forwarded leg, and the
///   station that set the call up or transferred it has monitoring on: the recall goes to that
///   station's `recall_to` (default: itself). It fires when that leg's record arrives, which is the
///   moment the internal party hung up, whether or not the format says the call is over.
/// - **request**: a manual "recall me for the next external call of station X": the next external
///   leg of X that ends fires it, once, to the requester.
public struct CallDesk: Sendable {
    public struct Placement: Sendable, Equatable {
        public var offset: Int64
        public var callKey: String
        public var role: String
        public var party: String?
        public var allowedEndUTC: Int64?
        public var exceededSeconds: Int?
    }

    /// What the live side tells: a whole call, an alert or a cost recall, typed until an edge
    /// (the store, the API, a webhook) writes it as JSON.
    public enum Event: Sendable, Equatable {
        case call(CallSummary)
        case alert(Alert)
        case recall(CostRecall, destination: String)

        public var type: String {
            switch self {
            case .call: "call"
            case .alert: "alert"
            case .recall: "recall"
            }
        }

        /// Where it goes (a recall's reception desk); nil: to whoever listens.
        public var destination: String? {
            if case .recall(_, let d) = self { return d }
            return nil
        }

        public var json: String {
            switch self {
            case .call(let summary): summary.jsonText
            case .alert(let a): CallDesk.json(a)
            case .recall(let r, _): CallDesk.json(r)
            }
        }
    }

    public struct Output: Sendable, Equatable {
        public var placements: [Placement] = []
        public var events: [Event] = []
        /// Each recall with the record of the leg it is about (for a ticket on recall).
        public var recalls: [FiredRecall] = []
        public var fulfilledRequests: [Int64] = []
        /// For `add`: who set up the call the record belongs to, when another party did (the
        /// receptionist of a transferred call), for the record's ticket.
        public var setUp: SetUpParty?
        public var isEmpty: Bool { placements.isEmpty && events.isEmpty }
        public init() {}
    }

    /// The party who set a call up or took it first, with the name the PBX or the stations give.
    public struct SetUpParty: Sendable, Equatable {
        public var party: String
        public var name: String?
        public init(party: String, name: String?) {
            self.party = party
            self.name = name
        }
        /// `201 Marie`, or `201`.
        public var label: String { name.map { "\(party) \($0)" } ?? party }
    }

    public struct FiredRecall: Sendable, Equatable {
        public var recall: CostRecall
        public var record: CallRecord
        /// What the leg cost, as rated when its record was stored (a ticket on recall prints it).
        public var charge: LegCharge?
    }

    /// A pending manual request.
    public struct Request: Sendable, Equatable {
        public var id: Int64
        public var station: String
        public var destination: String
        public init(id: Int64, station: String, destination: String) {
            self.id = id
            self.station = station
            self.destination = destination
        }
    }

    public let source: String
    public var stations: [String: StationSettings]
    public var limits: DurationLimits
    public var alerts: AlertRules
    var assembler: CallAssembler
    /// Charges of the legs of calls still open, by journal offset.
    var charges: [Int64: LegCharge] = [:]
    /// Legs already recalled (offset and destination), so a completion does not recall twice.
    var recalled: Set<String> = []
    /// Requests fulfilled in this run but maybe not yet committed.
    var used: Set<Int64> = []

    public init(source: String, stations: [String: StationSettings], defaultLimit: Int? = nil, alertRules: [AlertRule] = [], quietSeconds: Int64 = 120) {
        self.source = source
        self.stations = stations
        limits = DurationLimits(stations: stations, defaultLimit: defaultLimit)
        alerts = AlertRules(rules: alertRules, stations: stations)
        assembler = CallAssembler(quietSeconds: quietSeconds)
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func json(_ v: some Encodable) -> String { String(decoding: (try? encoder.encode(v)) ?? Data("{}".utf8), as: UTF8.self) }

    /// Adds a record (in the PBX's order) with its charge, received at `receivedAt` (epoch s).
    public mutating func add(_ r: CallRecord, charge: LegCharge?, receivedAt: Int64, requests: [Request]) -> Output {
        if let charge { charges[r.offset] = charge }
        var out = Output()
        let completed = assembler.add(r, receivedAt: receivedAt)
        let ended = assembler.takeEndedLegs()
        let call = (completed + ended).first { c in c.legs.contains { $0.record.offset == r.offset } } ?? assembler.openCall(containing: r.offset)
        out.setUp = call.flatMap { c in
            // Who set the call up or took it first, when that is another party (a transfer).
            guard let party = c.setUpBy, party != r.extension_ else { return nil }
            let leg = c.legs.first { $0.role != .consultation && $0.party == party }
            return SetUpParty(party: party, name: leg?.partyName ?? stations[party]?.name)
        }
        var firedFor: Set<String> = []
        for call in ended.map(keyed) {
            place(call, into: &out)
            recall(call, requests: requests, into: &out)
            firedFor.insert(call.key)
        }
        for call in completed.map(keyed) { complete(call, requests: requests, into: &out) }
        // A record that started a call or stood alone: its own alerts now (legs joining later get theirs then).
        if !ended.contains(where: { $0.lastLeg?.record.offset == r.offset }) {
            for a in alerts.check(r, party: r.extension_, charge: charge, source: source, callKey: nil) { out.events.append(.alert(a)) }
        }
        return out
    }

    /// No call open: `advance` has nothing to close.
    public var isIdle: Bool { assembler.isIdle }

    /// Calls whose quiet period has passed by `now` (epoch s): complete.
    public mutating func advance(to now: Int64, requests: [Request]) -> Output {
        var out = Output()
        for call in assembler.advance(to: now).map(keyed) { complete(call, requests: requests, into: &out) }
        return out
    }

    /// End of input (the agent stops): open calls are completed as they stand; a leg that arrives
    /// after a restart starts a call of its own.
    public mutating func flush(requests: [Request]) -> Output {
        var out = Output()
        for call in assembler.flush().map(keyed) { complete(call, requests: requests, into: &out) }
        return out
    }

    /// Keys stable across restarts: the source and the journal offset of the call's first record.
    func keyed(_ c: AssembledCall) -> AssembledCall {
        var c = c
        c.key = "\(source)-\(c.legs.map(\.record.offset).min() ?? 0)"
        return c
    }

    mutating func complete(_ call: AssembledCall, requests: [Request], into out: inout Output) {
        let verdicts = limits.check(call)
        place(call, verdicts: verdicts, into: &out)
        recall(call, requests: requests, into: &out)
        let summary = CallSummary(call: call, source: source, charges: charges, verdicts: verdicts, names: stations)
        out.events.append(.call(summary))
        for (leg, v) in zip(call.legs, verdicts) {
            if let over = v.exceededBy {
                let a = Alert(kind: "duration_limit", station: leg.party, source: source,
                              message: "station \(leg.party ?? "?") ran \(over) s past its duration limit", callKey: call.key, offset: leg.record.offset)
                out.events.append(.alert(a))
            }
        }
        for leg in call.legs { charges[leg.record.offset] = nil }
        if !recalled.isEmpty {
            let offsets = Set(call.legs.map { "\($0.record.offset)|" })
            recalled = recalled.filter { tag in !offsets.contains { tag.hasPrefix($0) } }
        }
    }

    mutating func place(_ call: AssembledCall, verdicts: [DurationLimits.Verdict]? = nil, into out: inout Output) {
        let verdicts = verdicts ?? limits.check(call)
        var seen: Set<Int64> = []
        for (leg, v) in zip(call.legs, verdicts) where seen.insert(leg.record.offset).inserted {
            out.placements.append(Placement(offset: leg.record.offset, callKey: call.key, role: leg.role.rawValue, party: leg.party, allowedEndUTC: v.allowedEnd, exceededSeconds: v.exceededBy))
        }
    }

    mutating func recall(_ call: AssembledCall, requests: [Request], into out: inout Output) {
        guard call.external, let last = call.lastLeg else { return }
        func fire(_ destination: String, reason: String, request: Int64?, print: Bool) {
            let tag = "\(last.record.offset)|\(last.party ?? "")|\(destination)"
            guard recalled.insert(tag).inserted else { return }
            let r = CostRecall(call: call, source: source, destination: destination, reason: reason, requestID: request, charge: charges[last.record.offset], names: stations, printTicket: print)
            out.recalls.append(FiredRecall(recall: r, record: last.record, charge: charges[last.record.offset]))
            out.events.append(.recall(r, destination: destination))
        }
        if last.role == .transferred || last.role == .forwarded {
            let parties = call.legs.filter { $0.role != .consultation }.map(\.party)
            let index = parties.lastIndex { $0 == last.party } ?? parties.count - 1
            let transferrer = index > 0 ? parties[index - 1] : nil
            for station in [call.setUpBy, transferrer].compactMap({ $0 }) where station != last.party {
                if let s = stations[station], s.monitoring { fire(s.recallTo ?? station, reason: "monitoring", request: nil, print: s.printOnRecall) }
            }
        }
        if let party = last.party, let req = requests.first(where: { $0.station == party && !used.contains($0.id) }) {
            used.insert(req.id)
            out.fulfilledRequests.append(req.id)
            fire(req.destination, reason: "request", request: req.id, print: stations[req.destination]?.printOnRecall ?? false)
        }
    }
}
