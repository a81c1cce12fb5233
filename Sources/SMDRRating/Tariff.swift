import SMDRCore
import Yams

/// A site's tariff: currency and rounding, VAT, how dialled numbers become international ones,
/// and versions by effective date, each with its time bands (pointing at rate decks), holidays,
/// free numbers, metering-unit prices and per-trunk-group carriers.
///
/// ```yaml
/// name: Orange entreprise 2026
/// currency: EUR
/// decimals: 2
/// rounding: half-up              # half-up (default), half-even, up, down — once per call
/// vat_percent: "20"
/// numbering:
///   access_digit: "0"            # the outside-line digit the PBX records in front of the number
///   national_prefix: "0"
///   international_prefix: "00"
///   country_code: "33"
///   national_length: 9           # digits after the national prefix
///   area_code: ""                # for sites whose local calls are dialled without it
/// versions:
///   - effective_from: 2026-01-01
///     decks: {day: france-2026.csv, night: france-2026-offpeak.csv}
///     bands:                     # the first that matches the time wins; one is the default
///       - {name: offpeak, days: [sat, sun, holiday], deck: night}
///       - {name: offpeak, days: [mon, tue, wed, thu, fri], from: "19:00", to: "08:00", deck: night}
///       - {name: peak, default: true, deck: day}
///     holidays: [2026-01-01, 2026-05-01]
///     free: ["15", "17", "18", "112", "0800", "0805"]
///     units: {price: "0.15", threshold: 0, second_price: "0.12", mode: duration}
///     carriers:                  # per trunk group: other decks for the calls on these trunks
///       - {trunks: [P03, P04], decks: {day: carrier-b.csv, night: carrier-b.csv}}
/// ```
public struct Tariff: Sendable {
    public var name: String
    public var currency: String
    public var decimals: Int
    public var rounding: Rounding
    public var vatPercent: Money
    public var numbering: Numbering
    /// Oldest first.
    public var versions: [Version]

    public struct Numbering: Sendable {
        public var accessDigit: String?
        public var nationalPrefix: String
        public var internationalPrefix: String
        public var countryCode: String
        public var nationalLength: Int?
        public var areaCode: String?
        // The same as bytes, for the hot path.
        let accessBytes: [UInt8]
        let nationalBytes: [UInt8]
        let internationalBytes: [UInt8]
        let countryBytes: [UInt8]
        let areaBytes: [UInt8]?

        public init(accessDigit: String?, nationalPrefix: String, internationalPrefix: String, countryCode: String, nationalLength: Int?, areaCode: String?) {
            self.accessDigit = accessDigit
            self.nationalPrefix = nationalPrefix
            self.internationalPrefix = internationalPrefix
            self.countryCode = countryCode
            self.nationalLength = nationalLength
            self.areaCode = areaCode
            accessBytes = Array((accessDigit ?? "").utf8)
            nationalBytes = Array(nationalPrefix.utf8)
            internationalBytes = Array(internationalPrefix.utf8)
            countryBytes = Array(countryCode.utf8)
            areaBytes = areaCode.map { Array($0.utf8) }
        }
    }

    public struct Band: Sendable {
        public var name: String
        /// 1 = Monday … 7 = Sunday, 8 = public holiday.
        public var days: Set<Int>
        /// Minutes after midnight; `from > to` crosses midnight; nil = all day.
        public var from: Int?
        public var to: Int?
        public var isDefault: Bool
        public var deck: String

        func covers(day: Int, holiday: Bool, minute: Int) -> Bool {
            if isDefault && days.isEmpty && from == nil { return true }
            let dayOK = days.isEmpty || (holiday ? days.contains(8) : days.contains(day))
            guard dayOK else { return false }
            guard let from, let to else { return true }
            return from <= to ? (minute >= from && minute < to) : (minute >= from || minute < to)
        }
    }

    public struct Units: Sendable {
        public enum Mode: String, Sendable { case duration, reported, pulses }
        public var price: Money
        /// The first `threshold` units of each charged item at `price`, the rest at `secondPrice`.
        public var threshold: Int?
        public var secondPrice: Money?
        public var mode: Mode
        /// Services the network does not charge, priced in units (`online_metering: 4`) or as an
        /// amount (`uus: "5.10"`).
        public var services: [String: Service]

        public init(price: Money, threshold: Int? = nil, secondPrice: Money? = nil, mode: Mode = .duration, services: [String: Service] = [:]) {
            self.price = price
            self.threshold = threshold
            self.secondPrice = secondPrice
            self.mode = mode
            self.services = services
        }

        public enum Service: Sendable, Equatable {
            case units(Int)
            case amount(Money)
        }

        /// The price of `units` units of one item under the two-tier rule, exactly (a PBX may
        /// print any count: the rater checks the result against the maximum).
        public func cost(units: Int) -> Exact {
            guard let threshold, let second = secondPrice, units > threshold else { return Exact(price, times: units) }
            return Exact(price, times: threshold) + Exact(second, times: units - threshold)
        }

        /// A service's cost and the units a ticket shows for it (an amount is converted at the
        /// first unit value, rounded up; its cost stays the configured amount).
        public func service(_ s: Service) -> (cost: Money, units: Int) {
            switch s {
            case .units(let n): return (cost(units: n).rounded(places: Money.places, .halfUp), n)
            case .amount(let m):
                guard price.micros > 0 else { return (m, 0) }
                return (m, Int((m.micros + price.micros - 1) / price.micros))
            }
        }
    }

    public struct Carrier: Sendable {
        public var trunks: Set<String>
        public var decks: [String: RateDeck]
    }

    public struct Version: Sendable {
        public var label: String
        /// Days since 1970-01-01 of the first day it applies.
        public var effectiveFrom: Int
        public var decks: [String: RateDeck]
        public var bands: [Band]
        public var holidays: Set<Int>
        public var free: [String] { didSet { freeBytes = free.map { Array($0.utf8) } } }
        public var units: Units?
        public var carriers: [Carrier]
        /// Free numbers as bytes, and the minutes of the day where a band may begin or end.
        var freeBytes: [[UInt8]] = []
        var boundaries: [Int] = []

        init(label: String, effectiveFrom: Int, decks: [String: RateDeck], bands: [Band], holidays: Set<Int>, free: [String], units: Units?, carriers: [Carrier]) {
            self.label = label
            self.effectiveFrom = effectiveFrom
            self.decks = decks
            self.bands = bands
            self.holidays = holidays
            self.free = free
            self.units = units
            self.carriers = carriers
            freeBytes = free.map { Array($0.utf8) }
            boundaries = Array(Set(bands.flatMap { [$0.from, $0.to].compactMap { $0 } } + [1440])).sorted()
        }

        /// Seconds from `local` to the next moment its band could change (a band edge or midnight).
        func secondsToNextBoundary(_ local: CivilDateTime) -> Int64 {
            let minute = local.hour * 60 + local.minute
            let next = boundaries.first { $0 > minute } ?? 1440
            return Int64((next - minute) * 60 - local.second)
        }

        /// The band in force at a local wall time.
        func band(at local: CivilDateTime) -> Int {
            let day = CivilDateTime.daysFromCivil(local.year, local.month, local.day)
            let weekday = ((day % 7) + 7 + 3) % 7 + 1  // 1970-01-01 was a Thursday
            let minute = local.hour * 60 + local.minute
            let holiday = holidays.contains(day)
            for (k, b) in bands.enumerated() where !b.isDefault && b.covers(day: weekday, holiday: holiday, minute: minute) { return k }
            return bands.firstIndex { $0.isDefault } ?? 0
        }
    }

    /// The version in force on a local day (days since 1970-01-01).
    public func version(onDay day: Int) -> Version? {
        versions.last { $0.effectiveFrom <= day } ?? nil
    }

    // MARK: Loading

    struct File: Decodable {
        var name: String?
        var currency: String
        var decimals: Int?
        var rounding: String?
        var vat_percent: String?
        var numbering: NumberingFile
        var versions: [VersionFile]
    }

    struct NumberingFile: Decodable {
        var access_digit: String?
        var national_prefix: String?
        var international_prefix: String?
        var country_code: String
        var national_length: Int?
        var area_code: String?
    }

    struct BandFile: Decodable {
        var name: String
        var days: [String]?
        var from: String?
        var to: String?
        var `default`: Bool?
        var deck: String
    }

    struct UnitsFile: Decodable {
        var price: String
        var threshold: Int?
        var second_price: String?
        var mode: String?
        var services: [String: String]?
    }

    struct CarrierFile: Decodable {
        var trunks: [String]
        var decks: [String: String]
    }

    struct VersionFile: Decodable {
        var effective_from: String
        var decks: [String: String]
        var bands: [BandFile]
        var holidays: [String]?
        var free: [String]?
        var units: UnitsFile?
        var carriers: [CarrierFile]?
    }

    /// Reads a tariff; `readFile` loads the decks it names (paths relative to the tariff's folder).
    /// Errors name the file and the key.
    public static func load(yaml: String, source: String, readFile: (String) throws -> String) throws -> Tariff {
        let f: File
        do { f = try YAMLDecoder().decode(File.self, from: yaml) } catch {
            throw RatingError("\(source): \(describe(error))")
        }
        func fail(_ key: String, _ why: String) -> RatingError { RatingError("\(source): key '\(key)': \(why)") }
        guard let rounding = Rounding(rawValue: f.rounding ?? "half-up") else { throw fail("rounding", "half-up, half-even, up or down") }
        guard let vat = Money(f.vat_percent ?? "0"), vat >= .zero, vat <= Money(micros: 100 * Money.scale) else {
            throw fail("vat_percent", "a decimal percentage from 0 to 100, such as 20 or 5.5")
        }
        let decimals = f.decimals ?? 2
        guard (0...6).contains(decimals) else { throw fail("decimals", "0 to 6") }
        var deckCache: [String: RateDeck] = [:]
        func deck(_ path: String, key: String) throws -> RateDeck {
            if let d = deckCache[path] { return d }
            let text: String
            do { text = try readFile(path) } catch { throw fail(key, "cannot read rate deck \(path): \(error)") }
            let d = try RateDeck.load(csv: text, name: path)
            deckCache[path] = d
            return d
        }
        var versions: [Version] = []
        for (i, v) in f.versions.enumerated() {
            let key = "versions[\(i)]"
            guard let day = parseDay(v.effective_from) else { throw fail("\(key).effective_from", "a date YYYY-MM-DD") }
            var decks: [String: RateDeck] = [:]
            for (name, path) in v.decks { decks[name] = try deck(path, key: "\(key).decks.\(name)") }
            var bands: [Band] = []
            for (j, b) in v.bands.enumerated() {
                let bk = "\(key).bands[\(j)]"
                guard decks[b.deck] != nil else { throw fail("\(bk).deck", "'\(b.deck)' is not one of the version's decks (\(decks.keys.sorted().joined(separator: ", ")))") }
                var days = Set<Int>()
                for d in b.days ?? [] {
                    guard let n = ["mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6, "sun": 7, "holiday": 8][d.lowercased()] else {
                        throw fail("\(bk).days", "'\(d)' is not mon…sun or holiday")
                    }
                    days.insert(n)
                }
                let from = try b.from.map { t -> Int in
                    guard let m = parseTime(t) else { throw fail("\(bk).from", "HH:MM") }
                    return m
                }
                let to = try b.to.map { t -> Int in
                    guard let m = parseTime(t) else { throw fail("\(bk).to", "HH:MM") }
                    return m
                }
                bands.append(Band(name: b.name, days: days, from: from, to: to, isDefault: b.default ?? false, deck: b.deck))
            }
            guard bands.contains(where: \.isDefault) else { throw fail("\(key).bands", "one band must be `default: true`") }
            var holidays = Set<Int>()
            for h in v.holidays ?? [] {
                guard let d = parseDay(h) else { throw fail("\(key).holidays", "'\(h)' is not YYYY-MM-DD") }
                holidays.insert(d)
            }
            var units: Units?
            if let u = v.units {
                guard let price = Money(u.price) else { throw fail("\(key).units.price", Money.inputRule) }
                let second = try u.second_price.map { s -> Money in
                    guard let m = Money(s) else { throw fail("\(key).units.second_price", Money.inputRule) }
                    return m
                }
                guard let mode = Units.Mode(rawValue: u.mode ?? "duration") else { throw fail("\(key).units.mode", "duration, reported or pulses") }
                var services: [String: Units.Service] = [:]
                for (name, value) in u.services ?? [:] {
                    if let n = Int(value), (0...1_000_000).contains(n) { services[name] = .units(n) } else if Int(value) == nil, let m = Money(value) { services[name] = .amount(m) } else {
                        throw fail("\(key).units.services.\(name)", "a number of units from 0 to 1000000 (4) or an amount (5.10; \(Money.inputRule))")
                    }
                }
                units = Units(price: price, threshold: u.threshold, secondPrice: second, mode: mode, services: services)
            }
            var carriers: [Carrier] = []
            for (j, c) in (v.carriers ?? []).enumerated() {
                var d: [String: RateDeck] = [:]
                for (name, path) in c.decks { d[name] = try deck(path, key: "\(key).carriers[\(j)].decks.\(name)") }
                carriers.append(Carrier(trunks: Set(c.trunks), decks: d))
            }
            versions.append(
                Version(label: v.effective_from, effectiveFrom: day, decks: decks, bands: bands, holidays: holidays, free: v.free ?? [], units: units, carriers: carriers))
        }
        guard !versions.isEmpty else { throw fail("versions", "at least one version") }
        let n = f.numbering
        return Tariff(
            name: f.name ?? source, currency: f.currency, decimals: decimals, rounding: rounding, vatPercent: vat,
            numbering: Numbering(
                accessDigit: n.access_digit.flatMap { $0.isEmpty ? nil : $0 }, nationalPrefix: n.national_prefix ?? "0",
                internationalPrefix: n.international_prefix ?? "00", countryCode: n.country_code, nationalLength: n.national_length,
                areaCode: n.area_code.flatMap { $0.isEmpty ? nil : $0 }),
            versions: versions.sorted { $0.effectiveFrom < $1.effectiveFrom })
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let k, let c): "missing key '\((c.codingPath + [k]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let c): "key '\(c.codingPath.map(\.stringValue).joined(separator: "."))': \(c.debugDescription)"
        case DecodingError.valueNotFound(_, let c): "key '\(c.codingPath.map(\.stringValue).joined(separator: "."))': no value"
        default: "\(error)"
        }
    }

    static func parseDay(_ s: String) -> Int? {
        let t = ByteText(s)
        guard t.count == 10, t.matches("9999-99-99", at: 0), let c = CivilDateTime(year: t.number(0, 4)!, month: t.number(5, 2)!, day: t.number(8, 2)!) else {
            return nil
        }
        return CivilDateTime.daysFromCivil(c.year, c.month, c.day)
    }

    static func parseTime(_ s: String) -> Int? {
        let t = ByteText(s)
        guard t.count == 5, t.matches("99:99", at: 0), let h = t.number(0, 2), let m = t.number(3, 2), h <= 24, m < 60 else { return nil }
        return h * 60 + m
    }
}
