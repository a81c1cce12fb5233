import Foundation
import SMDRCalls
import SMDRCore
import SMDRRating
import Testing

/// Each party of a transferred call is charged its own leg (the PBX resets its meter on
/// transfer), consultations are not charged to the call; per format, with the French sample
/// tariff. Scenarios are written from each layout's documentation (no public capture shows an
/// outgoing transfer).
struct TransferCostTests {
    static let france: Rater = {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Samples/tariffs/france")
        let yaml = try! String(contentsOf: dir.appendingPathComponent("tariff.yaml"), encoding: .utf8)
        return Rater(tariff: try! Tariff.load(yaml: yaml, source: "tariff.yaml") { try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8) })
    }()

    static func charge(_ r: CallRecord) -> LegCharge {
        let g = france.rate(r)
        return LegCharge(costMicros: g.cost.micros, vatMicros: g.vat.micros, totalMicros: g.costInclVAT.micros, units: g.units, currency: g.currency, decimals: g.decimals)
    }

    /// The `call` events a desk emits for these records (all calls flushed at the end).
    static func calls(_ rs: [CallRecord], stations: [String: StationSettings] = [:]) -> [CallSummary] {
        var desk = CallDesk(source: "pbx", stations: stations, quietSeconds: 600)
        var events: [CallDesk.Event] = []
        for (k, r) in rs.enumerated() {
            var r = r
            r.offset = Int64(k * 100)
            events += desk.add(r, charge: charge(r), receivedAt: (r.end ?? r.start)?.utc ?? 0, requests: []).events
        }
        events += desk.flush(requests: []).events
        return events.filter { $0.type == "call" }.map { try! JSONDecoder().decode(CallSummary.self, from: Data($0.json.utf8)) }
    }

    static func cost(_ r: CallRecord) -> String { france.rate(r).cost.string(places: 2) }

    /// Avaya IP Office: one Call ID, Continuation 1 then 0. Marie's 40 s are one first minute
    /// (0.09 + 0.028 = 0.12, after rounding); Paul's 5 min are 0.09 + 5 × 0.028 = 0.23.
    @Test func avayaEachPartyPaysItsLeg() throws {
        let rs = records(
            """
            2026/11/04 09:12:00,00:00:40,4,201,O,0142681234,00142681234,,0,1000041,1,E201,Marie,T9001,Line 1.1,0,0
            2026/11/04 09:12:00,00:05:00,2,201,O,0142681234,00142681234,,0,1000041,0,E202,Paul,T9001,Line 1.1,0,0

            """, format: "avaya-ipo")
        let calls = TransferCostTests.calls(rs)
        try #require(calls.count == 1)
        #expect(calls[0].legs.map(\.party) == ["201", "202"])
        #expect(calls[0].legs.map(\.role) == ["first", "transferred"])
        #expect(calls[0].costByParty == ["201": "0.12", "202": "0.23"])
        #expect(calls[0].legs.map(\.partyName) == ["Marie", "Paul"])
    }

    /// Panasonic: the transferring party's line, an intercom consultation (`EXT`), then the
    /// transferred party's `TR` line on the same trunk and number.
    @Test func panasonicConsultationIsNotCharged() throws {
        let rs = records(
            """
            11/04/26 09:29    501 02 0142681234           00:00'28 EU00000.00
            11/04/26 09:29    501    EXT234
            11/04/26 09:33    234 02 0142681234           00:03'45 EU00000.00            TR

            """, format: "panasonic")
        let calls = TransferCostTests.calls(rs)
        try #require(calls.count == 1)
        #expect(calls[0].legs.map(\.role) == ["first", "consultation", "transferred"])
        #expect(calls[0].costByParty == ["501": TransferCostTests.cost(rs[0]), "234": TransferCostTests.cost(rs[2])])
        #expect(calls[0].costByParty["234"] != calls[0].costByParty["501"])
    }

    /// Nortel Meridian: S (start) and E (end) records on one trunk and number.
    @Test func nortelStartAndEndParties() throws {
        let rs = records(
            """
            S 025 00 6101 T010 016 11/04 07:47 00:00:20 0142681234
            E 028 00 2463 T010 016 11/04 07:48 00:04:52 0142681234

            """, format: "nortel-meridian", year: 2026)
        let calls = TransferCostTests.calls(rs)
        try #require(calls.count == 1)
        #expect(calls[0].legs.map(\.party) == ["6101", "2463"])
        #expect(calls[0].costByParty == ["6101": TransferCostTests.cost(rs[0]), "2463": TransferCostTests.cost(rs[1])])
    }

    /// OmniPCX Office: a new statement per transferred party.
    @Test func oxoNewStatementPerParty() throws {
        let rs = records(
            """
            A101  -->  N01  04/11/26  09:30  00:00:50      1  ST      0142681234
            A104  -->  N01  04/11/26  09:31  00:06:00      6  ST  X   0142681234

            """, format: "alcatel-oxo")
        let calls = TransferCostTests.calls(rs)
        try #require(calls.count == 1)
        #expect(calls[0].legs.map(\.party) == ["A101", "A104"])
        #expect(calls[0].costByParty == ["A101": TransferCostTests.cost(rs[0]), "A104": TransferCostTests.cost(rs[1])])
    }

    /// Mitel: one record names the third party; the record's cost is charged once, to the party
    /// the record is for, not twice.
    @Test func mitelOneRecordIsChargedOnce() throws {
        var chars = Array(String(repeating: " ", count: 90))
        for (col, v) in [(2, "11/04"), (8, "03:10P"), (15, "00:02:22"), (24, "201"), (30, "008"), (34, "0142681234"), (62, "T102"), (66, "T"), (68, "202")] {
            for (k, c) in v.enumerated() { chars[col - 1 + k] = c }
        }
        let rs = records(String(chars) + "\r\n", format: "mitel", year: 2026)
        let calls = TransferCostTests.calls(rs)
        try #require(calls.count == 1)
        #expect(calls[0].legs.count == 2 && calls[0].legs[1].party == "202")
        let total = calls[0].costByParty.values.compactMap { Money($0) }.reduce(Money.zero, +)
        #expect(total == TransferCostTests.france.rate(rs[0]).cost)
    }

    /// A cost recall about the transferred party (monitoring on the receptionist), masked as
    /// the business code asks.
    @Test func recallSummaryForTheTransferredParty() throws {
        let rs = records(
            """
            2026/11/04 09:12:00,00:00:40,4,201,O,0142681234,00142681234,,0,1000041,1,E201,Marie,T9001,Line 1.1,0,0
            2026/11/04 09:12:00,00:05:00,2,201,O,0142681234,00142681234,,0,1000041,0,E202,Paul,T9001,Line 1.1,0,0

            """, format: "avaya-ipo")
        var desk = CallDesk(source: "pbx", stations: ["201": StationSettings(monitoring: true, recallTo: "reception")])
        var recalls: [CostRecall] = []
        for (k, r) in rs.enumerated() {
            var r = r
            r.offset = Int64(k)
            var c = TransferCostTests.charge(r)
            c.maskDigits = 4
            recalls += desk.add(r, charge: c, receivedAt: 0, requests: []).recalls.map(\.recall)
        }
        try #require(recalls.count == 1)
        #expect(recalls[0].party == "202" && recalls[0].setUpBy == "201" && recalls[0].destination == "reception")
        #expect(recalls[0].externalNumber == "014268XXXX")
        #expect(recalls[0].cost == "0.23" && recalls[0].costInclVAT == "0.28" && recalls[0].vat == "0.05")
        #expect(recalls[0].summaryLine.contains("0:05:00"))
    }

    /// A manual request fires once, for the next external leg of that station only.
    @Test func manualRequestFiresOnce() throws {
        let rs = records(
            """
            2026/11/04 09:12:00,00:01:00,4,203,O,0142681234,00142681234,,0,1000050,0,E203,Luc,T9001,Line 1.1,0,0
            2026/11/04 09:20:00,00:02:00,4,203,O,0142681299,00142681299,,0,1000051,0,E203,Luc,T9001,Line 1.1,0,0

            """, format: "avaya-ipo")
        var desk = CallDesk(source: "pbx", stations: [:])
        let request = CallDesk.Request(id: 7, station: "203", destination: "201")
        let first = desk.add(rs[0], charge: nil, receivedAt: 0, requests: [request])
        #expect(first.recalls.map(\.recall.destination) == ["201"] && first.fulfilledRequests == [7])
        let second = desk.add(rs[1], charge: nil, receivedAt: 0, requests: [request])
        #expect(second.recalls.isEmpty, "a request is used once")
    }
}

/// Set monitoring: thresholds per group, monitored prefixes; each crossing an alert naming the rule.
struct AlertRuleTests {
    @Test func costDurationAndPrefixRules() throws {
        let rs = records(
            """
            2026/11/04 09:12:00,00:45:00,4,202,O,0044207946000,000044207946000,,0,1000060,0,E202,Paul,T9001,Line 1.1,0,0
            2026/11/04 09:20:00,00:02:00,4,201,O,0142681234,00142681234,,0,1000061,0,E201,Marie,T9001,Line 1.1,0,0

            """, format: "avaya-ipo")
        let stations = ["202": StationSettings(group: "sales"), "201": StationSettings(group: "reception")]
        let rules = [
            AlertRule(name: "international", group: "sales", prefixes: ["00"]),
            AlertRule(name: "expensive", costOver: "1.00"),
            AlertRule(name: "long", stations: ["201"], durationOver: 60),
        ]
        var desk = CallDesk(source: "pbx", stations: stations, alertRules: rules)
        func alerts(_ r: CallRecord) -> [Alert] {
            desk.add(r, charge: TransferCostTests.charge(r), receivedAt: 0, requests: []).events.filter { $0.type == "alert" }
                .map { try! JSONDecoder().decode(Alert.self, from: Data($0.json.utf8)) }
        }
        let paul = alerts(rs[0])
        #expect(paul.compactMap(\.rule).sorted() == ["expensive", "international"], "\(paul)")
        #expect(paul.allSatisfy { $0.station == "202" })
        let marie = alerts(rs[1])
        #expect(marie.compactMap(\.rule) == ["long"], "a 2-minute national call of 201: only her duration rule")
    }
}
