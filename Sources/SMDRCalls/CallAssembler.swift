import SMDRCore

/// Groups the records of one call into a call with legs, per format, and says when a call is
/// complete.
///
/// | format | how the records of one call are found | complete when |
/// |---|---|---|
/// | avaya-ipo | same Call ID | the record with Continuation 0 |
/// | nortel-meridian | S, X…, E records sharing trunk and digits | the E record |
/// | mitel | one record: the transfer flag names the third party (a second leg) | at once |
/// | alcatel-oxe | one ticket: acting extension, initial dialled number, redirect indicator | at once |
/// | panasonic, alcatel-oxo, nec-sl, samsung-officeserv, others | records on the same trunk with the same external number, each starting no later than `joinSeconds` after the previous ended; `TR`/`PTRS`/`X`/`T`-flagged records are transfers, `EXTnnn` intercom lines of the transferring party in between are consultations | `quietSeconds` after the last leg ended (configurable, per format) with nothing joining it |
///
/// Feed records in the order the PBX printed them, each with the time it was received;
/// `advance(to:)` with the current time closes calls whose quiet period has passed since their
/// last record came in (the agent's clock, so a replayed or delayed capture behaves the same).
public struct CallAssembler: Sendable {
    /// How long after a leg's end a call with no continuation marker may still get a leg.
    public var quietSeconds: Int64
    /// How far a leg's start may lie after the previous leg's end (PBX clocks print minutes).
    public var joinSeconds: Int64
    private var open: [Open] = []
    /// Intercom lines (consultations) whose maker is not yet a party of an open call: the PBX
    /// prints them before the transfer record of the party who made them.
    private var consultations: [(record: CallRecord, seen: Int64)] = []
    private var receivedAt: Int64 = 0
    private var counter = 0
    /// Calls that gained a leg (a transfer) since the last `takeEndedLegs()`: the moment a party
    /// hung up, which is when a cost recall is due, whether or not more legs will follow.
    private var endedLegs: [AssembledCall] = []

    struct Open: Sendable {
        var call: AssembledCall
        var trunk: String?
        var number: String?
        var lastEnd: Int64
        var marker: Bool
        /// When its last record was received.
        var lastSeen: Int64
    }

    /// How each format's records link, by format id (the built-in formats', and a site's custom ones).
    public var linking: [String: CallLinking]

    public init(quietSeconds: Int64 = 120, joinSeconds: Int64 = 90, linking: [String: CallLinking] = FormatHandle.builtInLinking) {
        self.quietSeconds = quietSeconds
        self.joinSeconds = joinSeconds
        self.linking = linking
    }

    /// Adds a record received at `received` (epoch seconds; default: its own end time); returns
    /// the calls it completes.
    public mutating func add(_ r: CallRecord, receivedAt received: Int64? = nil) -> [AssembledCall] {
        receivedAt = received ?? CallAssembler.end(r)
        // As the record's format says its records link (the formats' own declaration).
        switch linking[r.format] ?? .trunkAndNumber {
        case .callID: return addByCallID(r)
        case .markers: return addNortel(r)
        case .single: return [single(r)]
        case .trunkAndNumber: return addByTrunkAndNumber(r)
        }
    }

    /// The open call with the record at `offset` among its legs.
    public func openCall(containing offset: Int64) -> AssembledCall? {
        open.first { o in o.call.legs.contains { $0.record.offset == offset } }?.call
    }

    /// Calls whose quiet period has passed by `now` (epoch seconds): complete.
    public mutating func advance(to now: Int64) -> [AssembledCall] {
        var done: [AssembledCall] = []
        let expired = consultations.filter { now - $0.seen >= quietSeconds }
        consultations.removeAll { now - $0.seen >= quietSeconds }
        for c in expired { done.append(AssembledCall(key: nextKey(), legs: [CallAssembler.leg(c.record, .first)])) }
        open.removeAll { o in
            if !o.marker && now - o.lastSeen >= quietSeconds {
                done.append(o.call)
                return true
            }
            return false
        }
        return done
    }

    /// Whether any call or consultation is still waiting (nothing to close otherwise).
    public var isIdle: Bool { open.isEmpty && consultations.isEmpty }

    /// The calls whose latest leg ended since the last call (each a snapshot with that leg last).
    public mutating func takeEndedLegs() -> [AssembledCall] {
        defer { endedLegs = [] }
        return endedLegs
    }

    /// Everything still open (end of input).
    public mutating func flush() -> [AssembledCall] {
        var out = open.map(\.call)
        for c in consultations { out.append(AssembledCall(key: nextKey(), legs: [CallAssembler.leg(c.record, .first)])) }
        open = []
        consultations = []
        return out
    }

    /// The held consultations made by `party` during `call` (as it stands with a leg ending at
    /// `lastEnd`), in order, as legs (taken out of the holding list).
    mutating func takeConsultations(by party: String?, during call: AssembledCall, lastEnd: Int64) -> [AssembledCall.Leg] {
        guard let party else { return [] }
        let window = (join: joinSeconds, call: call, lastEnd: lastEnd)
        let mine = { (c: (record: CallRecord, seen: Int64)) in
            c.record.extension_ == party && CallAssembler.happened(c.record, during: window.call, lastEnd: window.lastEnd, join: window.join)
        }
        let taken = consultations.filter(mine)
        consultations.removeAll(where: mine)
        return taken.map { CallAssembler.leg($0.record, .consultation) }
    }

    /// Whether `r` took place while `call` did, give or take `joinSeconds`: a consultation belongs
    /// to the call its maker was in at the time, not to any call of that party. (Live, a call
    /// closes soon after its last record; records that arrive together, after an outage or from
    /// the journal, would otherwise join calls hours apart.) A record with no time: as before.
    static func happened(_ r: CallRecord, during call: AssembledCall, lastEnd: Int64, join: Int64) -> Bool {
        guard let start = (r.start ?? r.end)?.utc else { return true }
        let first = call.legs.compactMap { ($0.record.start ?? $0.record.end)?.utc }.min() ?? start
        return start <= lastEnd + join && CallAssembler.end(r) >= first - join
    }

    static func leg(_ r: CallRecord, _ role: AssembledCall.Leg.Role) -> AssembledCall.Leg {
        AssembledCall.Leg(record: r, role: role, party: r.extension_, partyName: r.extensionName)
    }

    static func end(_ r: CallRecord) -> Int64 { (r.end ?? r.start)?.utc ?? 0 }

    mutating func nextKey() -> String {
        counter += 1
        return "call-\(counter)"
    }

    // MARK: Avaya IP Office: Call ID + Continuation.

    mutating func addByCallID(_ r: CallRecord) -> [AssembledCall] {
        let key = r.callID ?? nextKey()
        if let k = open.firstIndex(where: { $0.call.key == key && $0.marker }) {
            let role: AssembledCall.Leg.Role = r.flags.contains(.forward) ? .forwarded : .transferred
            open[k].call.legs.append(CallAssembler.leg(r, role))
            open[k].lastEnd = CallAssembler.end(r)
            endedLegs.append(open[k].call)
            if !r.continuation { return [open.remove(at: k).call] }
            return []
        }
        let call = AssembledCall(key: key, legs: [CallAssembler.leg(r, .first)])
        if !r.continuation { return [call] }
        open.append(Open(call: call, trunk: r.trunk, number: r.number, lastEnd: CallAssembler.end(r), marker: true, lastSeen: receivedAt))
        return []
    }

    // MARK: Nortel Meridian: S … X … E, linked by trunk and digits.

    mutating func addNortel(_ r: CallRecord) -> [AssembledCall] {
        guard case .string(let type)? = r.extra("record_type"), ["S", "X", "E"].contains(type) else { return [single(r)] }
        if type == "S" {
            open.append(Open(call: AssembledCall(key: nextKey(), legs: [CallAssembler.leg(r, .first)]), trunk: r.trunk, number: r.number, lastEnd: CallAssembler.end(r), marker: true, lastSeen: receivedAt))
            return []
        }
        guard let k = open.firstIndex(where: { $0.marker && $0.trunk == r.trunk && $0.number == r.number }) else { return [single(r)] }
        open[k].call.legs.append(CallAssembler.leg(r, .transferred))
        open[k].lastEnd = CallAssembler.end(r)
        endedLegs.append(open[k].call)
        return type == "E" ? [open.remove(at: k).call] : []
    }

    // MARK: One record, one call (Mitel, OXE): the transfer target is a second party.

    mutating func single(_ r: CallRecord) -> AssembledCall {
        var legs = [CallAssembler.leg(r, .first)]
        if case .string(let target)? = r.extra("transferred_to"), r.flags.contains(.transfer) {
            legs.append(AssembledCall.Leg(record: r, role: .transferred, party: target, partyName: nil))
        }
        if case .string(let initial)? = r.extra("initial_dialled_number"), initial != r.extension_, r.direction == .incoming {
            // The number first dialled was another station: that station forwarded or passed the call.
            legs.insert(AssembledCall.Leg(record: r, role: .first, party: initial, partyName: nil), at: 0)
            legs[1].role = r.flags.contains(.forward) ? .forwarded : .transferred
        }
        return AssembledCall(key: r.callID ?? nextKey(), legs: legs)
    }

    // MARK: Trunk + number chaining (Panasonic, OXO, NEC SL, Samsung, …).

    mutating func addByTrunkAndNumber(_ r: CallRecord) -> [AssembledCall] {
        let now = (r.start ?? r.end)?.utc ?? 0
        var done = advance(to: receivedAt)
        // A consultation (intercom line) by a party of an open call: part of that call.
        if r.direction == .internal, r.trunk == nil {
            if let k = open.lastIndex(where: { o in o.call.legs.contains { $0.party == r.extension_ } && CallAssembler.happened(r, during: o.call, lastEnd: o.lastEnd, join: joinSeconds) }) {
                open[k].call.legs.append(CallAssembler.leg(r, .consultation))
            } else {
                consultations.append((r, receivedAt))
            }
            return done
        }
        let forward = r.flags.contains(.forward)
        if r.trunk != nil, r.number != nil,
            let k = open.lastIndex(where: { $0.trunk == r.trunk && $0.number == r.number && (r.start?.utc ?? now) <= $0.lastEnd + joinSeconds })
        {
            open[k].call.legs += takeConsultations(by: r.extension_, during: open[k].call, lastEnd: max(open[k].lastEnd, CallAssembler.end(r)))
            open[k].call.legs.append(CallAssembler.leg(r, forward ? .forwarded : .transferred))
            open[k].lastEnd = max(open[k].lastEnd, CallAssembler.end(r))
            open[k].lastSeen = receivedAt
            endedLegs.append(open[k].call)
            return done
        }
        let call = AssembledCall(key: nextKey(), legs: [CallAssembler.leg(r, .first)])
        if r.trunk == nil || r.number == nil {
            done.append(call)
        } else {
            open.append(Open(call: call, trunk: r.trunk, number: r.number, lastEnd: CallAssembler.end(r), marker: false, lastSeen: receivedAt))
        }
        return done
    }
}
