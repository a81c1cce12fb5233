import SMDRCore

/// The seed PBX's call-duration rules for external calls (OmniPCX "durée limite"):
///
/// - each station has a maximum external-call duration (or none);
/// - on transfer, the maximum **restarts** at the destination station's value;
/// - in a three-party conference the call is **cut** at the maximum: the running limit goes on;
/// - a **Meet-me** conference has no limit;
/// - **parking does not restart** the limit: the leg after a park keeps the running limit;
/// - a **warning** sounds `warnBefore` (20) seconds before the end.
///
/// The agent computes each leg's allowed end and flags legs that ran past it (the PBX was not
/// enforcing the limit, or fraud).
public struct DurationLimits: Sendable {
    public var perStation: [String: Int]
    public var defaultLimit: Int?
    public var warnBefore: Int

    public init(perStation: [String: Int] = [:], defaultLimit: Int? = nil, warnBefore: Int = 20) {
        self.perStation = perStation
        self.defaultLimit = defaultLimit
        self.warnBefore = warnBefore
    }

    /// The limits the stations' settings give (`max_duration`), the rest at `defaultLimit`.
    public init(stations: [String: StationSettings], defaultLimit: Int?, warnBefore: Int = 20) {
        var per: [String: Int] = [:]
        for (ext, s) in stations { if let m = s.maxDuration { per[ext] = m } }
        self.init(perStation: per, defaultLimit: defaultLimit, warnBefore: warnBefore)
    }

    /// A station's current maximum external-call duration (nil: unlimited).
    public func limit(for station: String?) -> Int? { station.flatMap { perStation[$0] } ?? defaultLimit }

    public struct Verdict: Sendable, Equatable {
        public var party: String?
        /// When the leg had to end (epoch seconds); nil when unlimited.
        public var allowedEnd: Int64?
        /// When the warning sounds.
        public var warningAt: Int64?
        /// Seconds the leg ran past its allowed end (nil when it did not).
        public var exceededBy: Int?
    }

    /// Whether a leg is a Meet-me conference (a conference bridge rather than a third party).
    static func isMeetMe(_ r: CallRecord) -> Bool {
        if case .bool(true)? = r.extra("meet_me") { return true }
        for key in ["party1_device", "party2_device"] {
            if case .string(let d)? = r.extra(key), d.hasPrefix("V1"), r.flags.contains(.conference) { return true }
        }
        return false
    }

    public func check(_ call: AssembledCall) -> [Verdict] {
        guard call.external else { return call.legs.map { Verdict(party: $0.party, allowedEnd: nil, warningAt: nil, exceededBy: nil) } }
        var out: [Verdict] = []
        var running: Int64?
        var previousParked = false
        var first = true
        for leg in call.legs {
            let r = leg.record
            let start = (r.start ?? r.end)?.utc ?? 0
            let end = (r.end ?? r.start)?.utc ?? start
            var allowed: Int64?
            if leg.role == .consultation {
                out.append(Verdict(party: leg.party, allowedEnd: nil, warningAt: nil, exceededBy: nil))
                continue
            }
            if DurationLimits.isMeetMe(r) {
                allowed = nil  // Meet-me: no limit
            } else if first {
                allowed = limit(for: leg.party).map { start + Int64($0) }
            } else if r.flags.contains(.conference) || previousParked || r.flags.contains(.park) {
                allowed = running  // the limit goes on: a conference is cut at it, a park does not restart it
            } else {
                allowed = limit(for: leg.party).map { start + Int64($0) }  // transfer: restarts at the destination's value
            }
            first = false
            running = allowed ?? running
            previousParked = r.flags.contains(.park)
            let over = allowed.map { end - $0 }.flatMap { $0 > 0 ? Int($0) : nil }
            out.append(Verdict(party: leg.party, allowedEnd: allowed, warningAt: allowed.map { $0 - Int64(warnBefore) }, exceededBy: over))
        }
        return out
    }
}
