import SMDRCore

/// What rating a call gave.
public struct Rating: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// Priced from the tariff.
        case rated
        /// A free number (emergency, toll-free) or a call that is not charged (incoming, internal,
        /// unanswered): cost 0.
        case free
        /// Could not be priced: `reason` says why (no rate for the prefix, number not dialable…).
        case unrated
    }

    public var status: Status
    public var reason: String?
    public var cost: Money
    public var vat: Money
    public var costInclVAT: Money
    public var units: Int?
    /// Where the units come from: the PBX (`pbx`), derived from the cost (`cost`), or counted per
    /// pulse period (`pulses`).
    public var unitsSource: String?
    public var destination: String?
    public var prefix: String?
    public var band: String?
    public var tariffVersion: String?
    public var currency: String
    public var decimals: Int
    /// International form of the number rated.
    public var e164: String?

    public init(
        status: Status, reason: String?, cost: Money, vat: Money, costInclVAT: Money, units: Int?, unitsSource: String?, destination: String?,
        prefix: String?, band: String?, tariffVersion: String?, currency: String, decimals: Int, e164: String?
    ) {
        self.status = status
        self.reason = reason
        self.cost = cost
        self.vat = vat
        self.costInclVAT = costInclVAT
        self.units = units
        self.unitsSource = unitsSource
        self.destination = destination
        self.prefix = prefix
        self.band = band
        self.tariffVersion = tariffVersion
        self.currency = currency
        self.decimals = decimals
        self.e164 = e164
    }
}

/// Prices calls with a tariff. Pure: no I/O, safe to use from one thread at a time (it is a value).
public struct Rater: Sendable {
    public let tariff: Tariff

    public init(tariff: Tariff) { self.tariff = tariff }

    /// Billed seconds under first/next increments: 0 for 0 s; otherwise at least `first`, then
    /// whole `increment`s (60/60, 30/6, 1/1).
    public static func billedSeconds(_ d: Int, first: Int, increment: Int) -> Int {
        guard d > 0 else { return 0 }
        if d <= first { return first }
        let inc = max(1, increment)
        return first + (d - first + inc - 1) / inc * inc
    }

    /// Seconds of a call in each band, in order: split where a band begins or ends.
    public func bandSegments(_ version: Tariff.Version, start: CivilDateTime, duration: Int) -> [(band: Int, seconds: Int)] {
        var out: [(Int, Int)] = []
        var t = start.secondsAsUTC
        let end = t + Int64(max(0, duration))
        if duration <= 0 { return [(version.band(at: start), 0)] }
        while t < end {
            let local = CivilDateTime(secondsAsUTC: t)
            let band = version.band(at: local)
            let stop = min(t + version.secondsToNextBoundary(local), end)
            let seconds = Int(stop - t)
            if let last = out.last, last.0 == band { out[out.count - 1].1 += seconds } else { out.append((band, seconds)) }
            t = stop
        }
        return out
    }

    /// The longest call priced: a duration past it (a PBX's counter gone wrong, or a hostile line)
    /// leaves the call unrated with the reason, rather than a cost nobody would bill.
    public static let longestRatedSeconds = 31 * 86_400

    public func rate(_ r: CallRecord) -> Rating {
        var result = Rating(
            status: .unrated, reason: nil, cost: .zero, vat: .zero, costInclVAT: .zero, units: nil, unitsSource: nil, destination: nil,
            prefix: nil, band: nil, tariffVersion: nil, currency: tariff.currency, decimals: tariff.decimals, e164: nil)
        guard let start = r.start ?? r.end else {
            result.reason = "no date: the tariff in force cannot be chosen"
            return result
        }
        if let d = r.durationSeconds, d > Rater.longestRatedSeconds {
            result.reason = "a duration of \(d) s is longer than the \(Rater.longestRatedSeconds / 86_400) days a call is priced for"
            return result
        }
        let local = start.local
        guard let version = tariff.version(onDay: CivilDateTime.daysFromCivil(local.year, local.month, local.day)) else {
            result.reason = "no tariff version in force on \(local.year)-\(local.month)-\(local.day)"
            return result
        }
        result.tariffVersion = version.label
        let duration = r.durationSeconds ?? 0
        // The PBX's own units, when it reports them and the site prices those.
        if let units = version.units, units.mode != .duration, let reported = r.units {
            result.units = reported
            result.unitsSource = "pbx"
            return finish(&result, exact: units.cost(units: reported))
        }
        guard r.direction == .outgoing else {
            result.status = .free
            result.reason = r.direction.map { "\($0.rawValue) call" } ?? "direction unknown"
            return finish(&result, exact: Exact(0))
        }
        // A masked number is never completed from its visible digits.
        guard let number = r.number ?? (r.flags.contains(.masked) ? nil : r.dialed?.phoneDigits) else {
            return fromPBXUnits(&result, r, version, because: r.flags.contains(.masked) ? "number masked by the PBX" : "no dialled number")
        }
        if tariff.numbering.isFree(number, free: version.freeBytes) {
            result.status = .free
            result.reason = "free number"
            result.destination = "free"
            return finish(&result, exact: Exact(0))
        }
        guard let e164 = tariff.numbering.international(number) else {
            return fromPBXUnits(&result, r, version, because: "'\(number)' is not a dialable external number under the tariff's numbering plan")
        }
        result.e164 = e164
        guard duration > 0, r.answered != false else {
            result.status = .free
            result.reason = "not answered"
            return finish(&result, exact: Exact(0))
        }
        let decks = Rater.decks(version, trunk: r.trunk)
        let segments = bandSegments(version, start: local, duration: duration)
        guard let entry = decks[version.bands[segments[0].band].deck]?.match(e164) else {
            return fromPBXUnits(&result, r, version, because: "no rate for \(e164) in the tariff's deck")
        }
        result.destination = entry.destination
        result.prefix = entry.prefix
        result.band = version.bands[segments[0].band].name
        // Increments of the band where the call starts; the rounding-up goes to the last part.
        let billed = Rater.billedSeconds(duration, first: entry.firstIncrement, increment: entry.increment)
        var total = Exact(entry.connectFee)
        for (k, seg) in segments.enumerated() {
            let seconds = seg.seconds + (k == segments.count - 1 ? billed - duration : 0)
            let rateEntry = k == 0 ? entry : (decks[version.bands[seg.band].deck]?.match(e164) ?? entry)
            total = total + Exact(rateEntry.ratePerMinute, times: seconds, over: 60)
        }
        if total < Exact(entry.minimumCharge) { total = Exact(entry.minimumCharge) }
        if segments.count > 1 { result.band = segments.map { version.bands[$0.band].name }.joined(separator: "+") }
        let rating = finish(&result, exact: total)
        // Units a French ticket shows.
        if let units = version.units {
            var r2 = rating
            if units.mode == .pulses, let pulse = entry.pulseSeconds, pulse > 0 {
                let n = (duration + pulse - 1) / pulse
                r2.units = n
                r2.unitsSource = "pulses"
                return finish(&r2, exact: units.cost(units: n))
            }
            if units.price.micros > 0 {
                r2.units = Int((r2.cost.micros + units.price.micros - 1) / units.price.micros)
                r2.unitsSource = "cost"
            }
            return r2
        }
        return rating
    }

    /// The decks a call on `trunk` is priced from (a carrier's, or the version's own).
    static func decks(_ version: Tariff.Version, trunk: String?) -> [String: RateDeck] {
        version.carriers.first { c in trunk.map { c.trunks.contains($0) } ?? false }?.decks ?? version.decks
    }

    /// The rate a call to `e164` on `trunk` starting at `start` is priced from, with its band's
    /// name: what an authorisation tells the IVR. Nil when the number has no rate.
    public func entry(e164: String, trunk: String?, start: ZonedTime) -> (entry: RateDeck.Entry, band: String)? {
        let local = start.local
        guard let version = tariff.version(onDay: CivilDateTime.daysFromCivil(local.year, local.month, local.day)) else { return nil }
        let band = version.bands[version.band(at: local)]
        guard let entry = Rater.decks(version, trunk: trunk)[band.deck]?.match(e164) else { return nil }
        return (entry, band.name)
    }

    /// The price of `seconds` on one rate entry (connect fee, increments, minimum charge), rounded
    /// and with VAT as a rated call's: for charges the tariff's decks do not hold (incoming calls
    /// on a prepaid number).
    /// Seconds past ``longestRatedSeconds`` (a PBX counter gone wrong) are not charged, and the
    /// cost is at most ``Money/maximum``.
    public func price(_ entry: RateDeck.Entry, seconds: Int) -> (cost: Money, vat: Money, total: Money) {
        guard seconds > 0 else { return (.zero, .zero, .zero) }
        let seconds = min(seconds, Rater.longestRatedSeconds)
        let billed = Rater.billedSeconds(seconds, first: entry.firstIncrement, increment: entry.increment)
        var total = Exact(entry.connectFee) + Exact(entry.ratePerMinute, times: billed, over: 60)
        if total < Exact(entry.minimumCharge) { total = Exact(entry.minimumCharge) }
        if !total.isWithinMaximum { total = Exact(Money.maximum) }
        var r = Rating(
            status: .rated, reason: nil, cost: .zero, vat: .zero, costInclVAT: .zero, units: nil, unitsSource: nil, destination: nil, prefix: nil, band: nil,
            tariffVersion: nil, currency: tariff.currency, decimals: tariff.decimals, e164: nil)
        let done = finish(&r, exact: total)
        return (done.cost, done.vat, done.costInclVAT)
    }

    /// When the destination cannot be priced but the PBX counted units, the units are priced at the
    /// site's unit price; otherwise the call stays unrated with the reason.
    func fromPBXUnits(_ result: inout Rating, _ r: CallRecord, _ version: Tariff.Version, because reason: String) -> Rating {
        guard let units = version.units, let reported = r.units else {
            result.reason = reason
            return result
        }
        result.units = reported
        result.unitsSource = "pbx"
        result.reason = reason + "; priced from the PBX's units"
        return finish(&result, exact: units.cost(units: reported))
    }

    /// Rounds the exact cost, adds VAT (itself rounded), marks the rating priced. A cost past
    /// ``Money/maximum`` is not a price: the call stays unrated with the reason.
    func finish(_ r: inout Rating, exact: Exact) -> Rating {
        guard exact.isWithinMaximum else {
            r.status = .unrated
            r.units = nil
            r.unitsSource = nil
            r.reason = "the cost is beyond \(Money.maximum.string(places: 0)) \(tariff.currency), the largest amount priced"
            return r
        }
        if r.status == .unrated { r.status = .rated }
        r.cost = exact.rounded(places: tariff.decimals, tariff.rounding)
        r.vat = Exact(Int128(r.cost.micros) * Int128(tariff.vatPercent.micros), over: 100 * Int128(Money.scale)).rounded(places: tariff.decimals, tariff.rounding)
        r.costInclVAT = r.cost + r.vat
        return r
    }
}
