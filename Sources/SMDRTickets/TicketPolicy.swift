import SMDRCore
import SMDRRating

/// When a ticket prints by itself, as the PBX's set monitoring decides (OXO-TD p.727): per
/// station, per business code, or for every call of a default rule.
///
/// ```yaml
/// tickets:
///   default: external            # none | all | external
///   stations:
///     "201": all
///     "202": {cost_above: "1.00"}
///     "203": {duration_above: 300}
///     "204": {prefixes: ["00", "089"]}   # monitored prefixes of the dialled number
///   accounts: ["4711"]           # business codes whose calls always print
/// ```
public struct TicketPolicy: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        case none
        case all
        /// Outgoing external calls.
        case external
        case costAbove(Money)
        case durationAbove(Int)
        case prefixes([String])
    }

    public var defaultRule: Rule
    public var stations: [String: Rule]
    public var accounts: Set<String>

    public init(defaultRule: Rule = .none, stations: [String: Rule] = [:], accounts: Set<String> = []) {
        self.defaultRule = defaultRule
        self.stations = stations
        self.accounts = accounts
    }

    /// Whether this call prints a ticket.
    public func shouldPrint(_ r: CallRecord, rating: Rating?) -> Bool {
        if let code = r.accountCode, accounts.contains(code) { return true }
        let rule = r.extension_.flatMap { stations[$0] } ?? defaultRule
        let external = r.direction == .outgoing && rating?.status != .free
        switch rule {
        case .none: return false
        case .all: return true
        case .external: return external
        case .costAbove(let m): return external && (rating.map { $0.cost > m } ?? false)
        case .durationAbove(let s): return external && (r.durationSeconds ?? 0) > s
        case .prefixes(let p):
            let dialled = r.dialed ?? r.number ?? ""
            return external && p.contains { dialled.hasPrefix($0) || (r.number ?? "").hasPrefix($0) }
        }
    }

    /// Reads a rule: `none`, `all`, `external`, `cost>1.00`, `duration>300`, `prefixes:00,089`.
    public static func rule(_ text: String) -> Rule? {
        switch text {
        case "none": return Rule.none
        case "all": return .all
        case "external": return .external
        default:
            if text.hasPrefix("cost>"), let m = Money(text.dropFirst(5)) { return .costAbove(m) }
            if text.hasPrefix("duration>"), let s = Int(text.dropFirst(9)) { return .durationAbove(s) }
            if text.hasPrefix("prefixes:") { return .prefixes(text.dropFirst(9).split(separator: ",").map(String.init)) }
            return nil
        }
    }
}
