import Foundation
import SMDRCore
import SMDRRating
import Testing

/// A small French tariff: peak and off-peak decks, two versions, free numbers, units.
let deckDay = """
    prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge
    33,France fixed,0.10,0.05,60,60,0
    336,France mobile,0.00,0.20,30,6,0.15
    337,France mobile,0.00,0.20,30,6,0.15
    44,United Kingdom,0.00,0.12,1,1,0
    1,North America,0.50,0.00,1,1,0
    """
let deckNight = """
    prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge
    33,France fixed,0.10,0.025,60,60,0
    336,France mobile,0.00,0.10,30,6,0.15
    44,United Kingdom,0.00,0.06,1,1,0
    """
let deckBand = """
    prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge
    33,France fixed,0,0.10,1,1,0
    """
let deckBandNight = """
    prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge
    33,France fixed,0,0.05,1,1,0
    """
let deckJuly = """
    prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge
    33,France fixed,0.10,0.06,60,60,0
    """

func tariff(_ extra: String = "", versions: String? = nil) throws -> Tariff {
    let yaml = """
        name: test
        currency: EUR
        decimals: 2
        vat_percent: "20"
        \(extra)
        numbering: {access_digit: "0", national_prefix: "0", international_prefix: "00", country_code: "33", national_length: 9}
        versions:
        \(versions ?? """
          - effective_from: 2026-01-01
            decks: {day: day.csv, night: night.csv}
            bands:
              - {name: offpeak, days: [sat, sun, holiday], deck: night}
              - {name: offpeak, days: [mon, tue, wed, thu, fri], from: "19:00", to: "08:00", deck: night}
              - {name: peak, default: true, deck: day}
            holidays: [2026-05-01]
            free: ["15", "17", "18", "112", "0800", "0805"]
          - effective_from: 2026-07-01
            decks: {day: july.csv}
            bands:
              - {name: peak, default: true, deck: day}
        """)
        """
    let files = ["day.csv": deckDay, "night.csv": deckNight, "july.csv": deckJuly, "band.csv": deckBand, "bandnight.csv": deckBandNight]
    return try Tariff.load(yaml: yaml, source: "test.yaml") { name in
        guard let f = files[name] else { throw RatingError("no \(name)") }
        return f
    }
}


func call(_ number: String, _ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int = 0, seconds: Int, trunk: String? = nil) -> CallRecord {
    var r = CallRecord(format: "test", raw: "", line: 1)
    let paris = ZoneClock(timeZone: TimeZone(identifier: "Europe/Paris")!)
    r.start = paris.zoned(CivilDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s)!)
    r.durationSeconds = seconds
    r.direction = .outgoing
    r.answered = seconds > 0
    r.number = number
    r.trunk = trunk
    return r
}

struct MoneyTests {
    @Test func parseAndPrint() {
        #expect(Money("0.05")?.micros == 50_000)
        #expect(Money("12")?.micros == 12_000_000)
        #expect(Money("-1.5")?.string(places: 2) == "-1.50")
        #expect(Money("0.1234567") == nil)
        #expect(Money("1,5") == nil)
        #expect(Money("abc") == nil)
        #expect(Money("0.0123")!.string(places: 4) == "0.0123")
    }

    /// One billion currency units is the largest amount any input carries, either sign.
    @Test func amountsPastTheMaximumAreNotRead() {
        #expect(Money("1000000000")?.micros == 1_000_000_000_000_000)
        #expect(Money("-1000000000.00")?.micros == -1_000_000_000_000_000)
        #expect(Money("1000000000.000001") == nil)
        #expect(Money("999999999999.99") == nil)
        #expect(Money("99999999999999999") == nil)
    }

    /// Half-cent cases: 0.125 and 0.135, 0.115, and a value just under half.
    @Test func roundingRules() {
        let h = Exact(125_000)  // 0.125
        #expect(h.rounded(places: 2, .halfUp).string(places: 2) == "0.13")
        #expect(h.rounded(places: 2, .halfEven).string(places: 2) == "0.12")
        #expect(Exact(135_000).rounded(places: 2, .halfEven).string(places: 2) == "0.14")
        #expect(Exact(115_000).rounded(places: 2, .halfUp).string(places: 2) == "0.12")
        #expect(Exact(124_999).rounded(places: 2, .halfUp).string(places: 2) == "0.12")
        #expect(Exact(120_001).rounded(places: 2, .up).string(places: 2) == "0.13")
        #expect(Exact(129_999).rounded(places: 2, .down).string(places: 2) == "0.12")
        // 7 s at 0.10 per minute is 0.011666…: 0.01 half-up, never 0.0116666 as a float would print.
        #expect(Exact(100_000 * 7, over: 60).rounded(places: 2, .halfUp).string(places: 2) == "0.01")
        // 0.4980 is not a cent amount: a carrier's 0.50 stays 0.50 however it is summed.
        #expect((Exact(Money("0.166")!) + Exact(Money("0.166")!) + Exact(Money("0.168")!)).rounded(places: 2, .halfUp).string(places: 2) == "0.50")
    }
}

struct RatingTests {
    @Test func theSameNumberWrittenThreeWaysRatesAlike() throws {
        let n = try tariff().numbering
        #expect(n.international("00142681234") == "33142681234")  // access digit + national
        #expect(n.international("0142681234") == "33142681234")  // national
        #expect(n.international("+33142681234") == "33142681234")  // international
        #expect(n.international("00044207946000") == "44207946000")  // access + international
        #expect(n.international("0044207946000") == "44207946000")  // international
        #expect(n.international("201") == nil)  // an extension
    }

    /// France fixed, peak: connect 0.10 + 0.05/min, 60/60 increments. 61 s bills 120 s:
    /// 0.10 + 2 × 0.05 = 0.20; VAT 20 % = 0.04; total 0.24.
    @Test func connectFeeAndIncrements() throws {
        let r = Rater(tariff: try tariff()).rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: 61))
        #expect(r.status == .rated)
        #expect(r.cost.string(places: 2) == "0.20")
        #expect(r.vat.string(places: 2) == "0.04")
        #expect(r.costInclVAT.string(places: 2) == "0.24")
        #expect(r.destination == "France fixed" && r.prefix == "33" && r.band == "peak" && r.tariffVersion == "2026-01-01")
    }

    /// Mobile, 30/6 increments at 0.20/min: 31 s bills 36 s = 0.12, under the 0.15 minimum → 0.15.
    /// 100 s bills 30 + 12×6 = 102 s = 0.34.
    @Test func minimumChargeAndThirtySixIncrements() throws {
        let rater = Rater(tariff: try tariff())
        #expect(Rater.billedSeconds(31, first: 30, increment: 6) == 36)
        #expect(rater.rate(call("0612345678", 2026, 3, 4, 10, 0, seconds: 31)).cost.string(places: 2) == "0.15")
        #expect(rater.rate(call("0612345678", 2026, 3, 4, 10, 0, seconds: 100)).cost.string(places: 2) == "0.34")
    }

    /// UK at 0.12/min per second: 7 s = 0.014 → 0.01; a flat per-call price (North America: 0.50
    /// connect, 0 per minute) whatever the length.
    @Test func perSecondAndFlatPrices() throws {
        let rater = Rater(tariff: try tariff())
        #expect(rater.rate(call("0044207946000", 2026, 3, 4, 10, 0, seconds: 7)).cost.string(places: 2) == "0.01")
        #expect(rater.rate(call("0012125551234", 2026, 3, 4, 10, 0, seconds: 7)).cost.string(places: 2) == "0.50")
        #expect(rater.rate(call("0012125551234", 2026, 3, 4, 10, 0, seconds: 3600)).cost.string(places: 2) == "0.50")
    }

    /// A call that crosses 19:00 on a weekday: 60 s at 0.10/min (peak) + 60 s at 0.05/min
    /// (off-peak), per-second decks: 0.10 + 0.05 = 0.15.
    @Test func aCallAcrossABandBoundaryIsSplit() throws {
        let t = try tariff(
            versions: """
                  - effective_from: 2026-01-01
                    decks: {day: band.csv, night: bandnight.csv}
                    bands:
                      - {name: offpeak, days: [mon, tue, wed, thu, fri], from: "19:00", to: "08:00", deck: night}
                      - {name: peak, default: true, deck: day}
                """)
        let r = Rater(tariff: t).rate(call("0142681234", 2026, 3, 4, 18, 59, seconds: 120))
        #expect(r.cost.string(places: 2) == "0.15")
        #expect(r.band == "peak+offpeak")
        #expect(Rater(tariff: t).rate(call("0142681234", 2026, 3, 4, 17, 59, seconds: 120)).cost.string(places: 2) == "0.20")
    }

    @Test func weekendsHolidaysAndFreeNumbers() throws {
        let rater = Rater(tariff: try tariff())
        // Saturday 7 March 2026, 10:00: off-peak 0.10 + 0.025 × 2 = 0.15 for 61 s.
        #expect(rater.rate(call("0142681234", 2026, 3, 7, 10, 0, seconds: 61)).band == "offpeak")
        #expect(rater.rate(call("0142681234", 2026, 3, 7, 10, 0, seconds: 61)).cost.string(places: 2) == "0.15")
        // 1 May 2026 is a holiday (a Friday).
        #expect(rater.rate(call("0142681234", 2026, 5, 1, 10, 0, seconds: 61)).band == "offpeak")
        #expect(rater.rate(call("015", 2026, 3, 4, 10, 0, seconds: 300)).status == .free)
        #expect(rater.rate(call("00800123456", 2026, 3, 4, 10, 0, seconds: 300)).cost == .zero)
    }

    /// The tariff in force on the day: 0.05/min until June, 0.06/min from 1 July 2026.
    @Test func historyRatesWithTheVersionInForce() throws {
        let rater = Rater(tariff: try tariff())
        let march = rater.rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: 120))
        let august = rater.rate(call("0142681234", 2026, 8, 4, 10, 0, seconds: 120))
        #expect(march.cost.string(places: 2) == "0.20")  // 0.10 + 2 × 0.05
        #expect(august.cost.string(places: 2) == "0.22")  // 0.10 + 2 × 0.06
        #expect(august.tariffVersion == "2026-07-01")
    }

    /// The OmniPCX manual's worked example (OXO-TD p.720): unit value 1.70 F, threshold 1 unit,
    /// second value 2 F. The call's own unit: 1.70. On-line metering activation, 4 units: the tier
    /// rule applies to this item alone, 1 × 1.70 + 3 × 2 = 7.70. User-to-user signalling priced
    /// 5.10 F: 5.10 / 1.70 = 3 units, cost 5.10. Together 8 units and 14.50 F.
    @Test func theManualsTwoTierUnitExample() throws {
        let units = Tariff.Units(
            price: Money("1.70")!, threshold: 1, secondPrice: Money("2")!, mode: .reported,
            services: ["online_metering": .units(4), "uus": .amount(Money("5.10")!)])
        let own = units.cost(units: 1).rounded(places: 2, .halfUp)
        #expect(own.string(places: 2) == "1.70")
        let activation = units.service(units.services["online_metering"]!)
        #expect(activation.cost.string(places: 2) == "7.70" && activation.units == 4)
        let uus = units.service(units.services["uus"]!)
        #expect(uus.cost.string(places: 2) == "5.10" && uus.units == 3)
        let total = own + activation.cost + uus.cost
        #expect(total.string(places: 2) == "14.50")
        #expect(1 + activation.units + uus.units == 8)
    }

    /// Units reported by the PBX are priced as such; units of a duration-priced call are the cost
    /// divided by the unit price, rounded up.
    @Test func reportedAndDerivedUnits() throws {
        let t = try tariff(
            versions: """
                  - effective_from: 2026-01-01
                    decks: {day: day.csv}
                    bands: [{name: peak, default: true, deck: day}]
                    units: {price: "0.15", mode: reported}
                """)
        var c = call("0142681234", 2026, 3, 4, 10, 0, seconds: 61)
        c.units = 6
        let reported = Rater(tariff: t).rate(c)
        #expect(reported.cost.string(places: 2) == "0.90" && reported.units == 6 && reported.unitsSource == "pbx")
        c.units = nil
        let derived = Rater(tariff: t).rate(c)
        #expect(derived.cost.string(places: 2) == "0.20")
        #expect(derived.units == 2 && derived.unitsSource == "cost")  // 0.20 / 0.15 = 1.33 → 2
    }

    /// What a PBX can print is not bounded: a duration of 10^12 s, 9·10^18 units, or a rate at the
    /// largest amount on a month-long call. Each leaves the call unrated with its reason (no
    /// crash, no invented price); a month at a sane rate is still priced.
    @Test func absurdDurationsUnitsAndRatesAreRefusedNotACrash() throws {
        let rater = Rater(tariff: try tariff())
        let long = rater.rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: 1_000_000_000_000))
        #expect(long.status == .unrated && long.reason?.contains("longer than the 31 days") == true, "\(long)")
        let month = rater.rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: Rater.longestRatedSeconds))
        #expect(month.status == .rated && month.cost > Money("1000")!, "\(month)")

        let units = try tariff(
            versions: """
                  - effective_from: 2026-01-01
                    decks: {day: day.csv}
                    bands: [{name: peak, default: true, deck: day}]
                    units: {price: "1000000000", mode: reported}
                """)
        var c = call("0142681234", 2026, 3, 4, 10, 0, seconds: 61)
        c.units = Int.max
        let many = Rater(tariff: units).rate(c)
        #expect(many.status == .unrated && many.reason?.contains("beyond 1000000000 EUR") == true, "\(many)")
        c.units = 1
        #expect(Rater(tariff: units).rate(c).cost == Money("1000000000")!, "one unit at the largest price is still priced")

        let dearDeck = "prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge\n33,France fixed,0,1000000000,1,1,0\n"
        let dear = try Tariff.load(
            yaml: "name: dear\ncurrency: EUR\nvat_percent: \"20\"\nnumbering: {access_digit: \"0\", national_prefix: \"0\", international_prefix: \"00\", country_code: \"33\", national_length: 9}\nversions:\n  - effective_from: 2026-01-01\n    decks: {day: d.csv}\n    bands: [{name: peak, default: true, deck: day}]\n",
            source: "dear.yaml") { _ in dearDeck }
        let costly = Rater(tariff: dear).rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: Rater.longestRatedSeconds))
        #expect(costly.status == .unrated && costly.reason?.contains("beyond") == true, "\(costly)")
        let minute = Rater(tariff: dear).rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: 60))
        #expect(minute.cost == Money("1000000000")! && minute.costInclVAT == Money(micros: 1_200_000_000_000_000), "\(minute)")
    }

    /// A tariff's amounts are bounded where they are read: an amount past the maximum, a VAT rate
    /// past 100 %, a service of too many units; each error names the file and the key.
    @Test func tariffAmountsAreBoundedWhereTheyAreRead() throws {
        func load(_ extra: String, deck: String = deckDay) -> String {
            let yaml = "name: t\ncurrency: EUR\n\(extra)\nnumbering: {access_digit: \"0\", national_prefix: \"0\", international_prefix: \"00\", country_code: \"33\", national_length: 9}\nversions:\n  - effective_from: 2026-01-01\n    decks: {day: d.csv}\n    bands: [{name: peak, default: true, deck: day}]\n"
            do {
                _ = try Tariff.load(yaml: yaml, source: "t.yaml") { _ in deck }
                return "loaded"
            } catch { return "\(error)" }
        }
        #expect(load("vat_percent: \"20\"") == "loaded")
        #expect(load("vat_percent: \"150\"").contains("t.yaml: key 'vat_percent': a decimal percentage from 0 to 100"))
        #expect(load("vat_percent: \"-5\"").contains("key 'vat_percent'"))
        let dear = "prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge\n33,France fixed,0,2000000000,1,1,0\n"
        #expect(load("", deck: dear).contains("'2000000000' is not a decimal amount with a dot, at most 6 decimals, at most 1000000000"), "\(load("", deck: dear))")
    }

    @Test func unratableCallsSayWhy() throws {
        let rater = Rater(tariff: try tariff())
        let r = rater.rate(call("0099999", 2026, 3, 4, 10, 0, seconds: 60))
        #expect(r.status == .unrated)
        #expect(r.reason?.contains("no rate") == true)
        var incoming = call("0142681234", 2026, 3, 4, 10, 0, seconds: 60)
        incoming.direction = .incoming
        #expect(rater.rate(incoming).status == .free)
    }

    @Test func tariffErrorsNameTheKey() {
        #expect(throws: RatingError.self) { try tariff("rounding: sideways") }
        do {
            _ = try tariff(versions: "  - effective_from: 2026-13-01\n    decks: {day: day.csv}\n    bands: [{name: p, default: true, deck: day}]\n")
        } catch {
            #expect("\(error)".contains("versions[0].effective_from"))
        }
    }
}

struct RatingProperties {
    /// Cost never decreases when the duration grows (any destination, band, increments).
    @Test func costNeverDecreasesWithDuration() throws {
        let rater = Rater(tariff: try tariff())
        var rng = SystemRandomNumberGenerator()
        for number in ["0142681234", "0612345678", "0044207946000", "0012125551234"] {
            for _ in 0..<20 {
                let h = Int.random(in: 0...23, using: &rng), m = Int.random(in: 0...59, using: &rng)
                var last = Money.zero
                for d in stride(from: 0, through: 7200, by: Int.random(in: 1...97, using: &rng)) {
                    let cost = rater.rate(call(number, 2026, 3, Int.random(in: 2...8, using: &rng) > 0 ? 4 : 4, h, m, seconds: d)).cost
                    #expect(cost >= last, "\(number) at \(h):\(m), \(d) s cost \(cost) < \(last)")
                    last = cost
                }
            }
        }
    }

    /// For a call that stays inside one band, splitting by band changes nothing: the same call
    /// rated under a tariff with only that band costs the same.
    @Test func splittingNeverChangesASingleBandCall() throws {
        let split = Rater(tariff: try tariff())
        let single = Rater(
            tariff: try tariff(
                versions: """
                      - effective_from: 2026-01-01
                        decks: {day: day.csv}
                        bands: [{name: peak, default: true, deck: day}]
                    """))
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let d = Int.random(in: 1...3000, using: &rng)
            // Weekdays between 08:00 and 18:00, so the call ends before 19:00: peak only.
            let start = 8 * 3600 + Int.random(in: 0...(10 * 3600 - d), using: &rng)
            let c = call(["0142681234", "0612345678", "0044207946000"].randomElement(using: &rng)!, 2026, 3, 4, start / 3600, start % 3600 / 60, start % 60, seconds: d)
            #expect(split.rate(c).cost == single.rate(c).cost)
            #expect(split.rate(c).band == "peak")
        }
    }
}

struct CarrierAndPulseTests {
    /// Calls on trunks P03/P04 go through another carrier: its deck prices them (0.06/min here
    /// against 0.05/min), other trunks keep the default deck.
    @Test func perTrunkGroupCarriers() throws {
        let t = try tariff(
            versions: """
                  - effective_from: 2026-01-01
                    decks: {day: day.csv}
                    bands: [{name: peak, default: true, deck: day}]
                    carriers:
                      - {trunks: [P03, P04], decks: {day: july.csv}}
                """)
        let rater = Rater(tariff: t)
        #expect(rater.rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: 120, trunk: "P03")).cost.string(places: 2) == "0.22")  // 0.10 + 2 × 0.06
        #expect(rater.rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: 120, trunk: "P01")).cost.string(places: 2) == "0.20")  // 0.10 + 2 × 0.05
    }

    /// Units counted per destination pulse period (a pulse every 180 s to French fixed lines):
    /// 400 s = 3 pulses, priced 3 × 0.12 = 0.36.
    @Test func unitsFromThePulsePeriod() throws {
        let files = [
            "pulse.csv": "prefix,destination,connect_fee,rate_per_minute,first_increment_s,increment_s,minimum_charge,pulse_s\n33,France fixed,0,0.05,60,60,0,180\n"
        ]
        let t = try Tariff.load(
            yaml: """
                currency: EUR
                numbering: {access_digit: "0", country_code: "33", national_length: 9}
                versions:
                  - effective_from: 2026-01-01
                    decks: {day: pulse.csv}
                    bands: [{name: peak, default: true, deck: day}]
                    units: {price: "0.12", mode: pulses}
                """, source: "pulse.yaml"
        ) { files[$0]! }
        let r = Rater(tariff: t).rate(call("0142681234", 2026, 3, 4, 10, 0, seconds: 400))
        #expect(r.units == 3 && r.unitsSource == "pulses")
        #expect(r.cost.string(places: 2) == "0.36")
    }
}
