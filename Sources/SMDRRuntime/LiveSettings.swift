import SMDRCalls
import SMDRCore
import SMDRStore

/// What the ingester needs to run the live side (call assembly, recalls, limits, alerts): station
/// settings, rules, and the wiring's closures for charges and recall tickets.
public struct LiveSettings: Sendable {
    public var stations: [String: StationSettings]
    public var alertRules: [AlertRule]
    public var defaultLimit: Int?
    /// Seconds after a leg's end that a call with no continuation marker may still get a leg, per
    /// format id (`default` for the rest).
    public var quietSeconds: [String: Int64]
    /// A leg's charge from its stored rating (nil: unrated).
    public var charge: @Sendable (CallRecord, CallStore.StoredRating?) -> LegCharge?
    /// The ticket a recall prints when its station asks for one.
    public var recallTicket: (@Sendable (CostRecall, CallRecord, LegCharge?) -> CallStore.TicketRequest?)?
    /// Called after events were committed (wakes the event stream and the webhook sender).
    public var onEvents: (@Sendable () -> Void)?

    public init(
        stations: [String: StationSettings] = [:], alertRules: [AlertRule] = [], defaultLimit: Int? = nil, quietSeconds: [String: Int64] = [:],
        charge: @escaping @Sendable (CallRecord, CallStore.StoredRating?) -> LegCharge? = { _, _ in nil },
        recallTicket: (@Sendable (CostRecall, CallRecord, LegCharge?) -> CallStore.TicketRequest?)? = nil, onEvents: (@Sendable () -> Void)? = nil
    ) {
        self.stations = stations
        self.alertRules = alertRules
        self.defaultLimit = defaultLimit
        self.quietSeconds = quietSeconds
        self.charge = charge
        self.recallTicket = recallTicket
        self.onEvents = onEvents
    }

    func desk(source: String, format: String?) -> CallDesk {
        let quiet = format.flatMap { quietSeconds[$0] } ?? quietSeconds["default"] ?? 120
        return CallDesk(source: source, stations: stations, defaultLimit: defaultLimit, alertRules: alertRules, quietSeconds: quiet)
    }

    /// A stored rating as a leg charge (the business code's masking from `maskDigits`).
    public static func charge(_ g: CallStore.StoredRating?, maskDigits: Int) -> LegCharge? {
        guard let g, g.costMicros != nil || g.units != nil else { return nil }
        return LegCharge(
            costMicros: g.costMicros, vatMicros: g.vatMicros, totalMicros: g.costInclVATMicros, units: g.units, currency: g.currency, decimals: g.decimals ?? 2,
            client: g.client, maskDigits: maskDigits)
    }

    func batch(_ o: CallDesk.Output) -> CallStore.LiveBatch {
        var b = CallStore.LiveBatch()
        b.placements = o.placements.map {
            CallStore.LegPlacement(offset: $0.offset, callKey: $0.callKey, role: $0.role, party: $0.party, allowedEndUTC: $0.allowedEndUTC, exceededSeconds: $0.exceededSeconds)
        }
        // The typed events become JSON here, at the store's door (on the ingest thread: the
        // store's writer is the busier of the two during a backlog).
        b.events = o.events.map { CallStore.NewEvent(type: $0.type, destination: $0.destination, json: $0.json) }
        b.fulfilledRequests = o.fulfilledRequests
        if let recallTicket {
            for f in o.recalls where f.recall.printTicket {
                if let t = recallTicket(f.recall, f.record, f.charge) { b.recallTickets.append((f.record.offset, t)) }
            }
        }
        return b
    }
}

extension CallDesk.Output {
    mutating func merge(_ o: CallDesk.Output) {
        placements += o.placements
        events += o.events
        recalls += o.recalls
        fulfilledRequests += o.fulfilledRequests
    }
}
