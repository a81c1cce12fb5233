import Foundation
import SMDRCore
import SMDRRating
import SMDRTickets
import Testing

struct TicketPolicyTests {
    func call(_ ext: String, _ number: String, seconds: Int, direction: Direction = .outgoing, account: String? = nil) -> CallRecord {
        var r = CallRecord(format: "t", raw: "", line: 1)
        r.extension_ = ext
        r.number = number
        r.dialed = "0" + number
        r.durationSeconds = seconds
        r.direction = direction
        r.accountCode = account
        return r
    }

    func rating(_ cost: String, status: Rating.Status = .rated) -> Rating {
        Rating(
            status: status, reason: nil, cost: Money(cost)!, vat: .zero, costInclVAT: Money(cost)!, units: nil, unitsSource: nil, destination: nil,
            prefix: nil, band: nil, tariffVersion: nil, currency: "EUR", decimals: 2, e164: nil)
    }

    @Test func rulesPerStationAndBusinessCode() {
        let p = TicketPolicy(
            defaultRule: .none,
            stations: [
                "201": .all, "202": .costAbove(Money("1.00")!), "203": .durationAbove(300), "204": .prefixes(["000", "0089"]), "205": .external,
            ], accounts: ["4711"])
        #expect(p.shouldPrint(call("201", "0142681234", seconds: 10, direction: .incoming), rating: nil))
        #expect(!p.shouldPrint(call("202", "0142681234", seconds: 60), rating: rating("0.99")))
        #expect(p.shouldPrint(call("202", "0142681234", seconds: 600), rating: rating("1.01")))
        #expect(!p.shouldPrint(call("203", "0142681234", seconds: 300), rating: rating("0.10")))
        #expect(p.shouldPrint(call("203", "0142681234", seconds: 301), rating: rating("0.10")))
        #expect(p.shouldPrint(call("204", "0044207946000", seconds: 30), rating: rating("0.10")))
        #expect(!p.shouldPrint(call("204", "0142681234", seconds: 30), rating: rating("0.10")))
        #expect(!p.shouldPrint(call("205", "015", seconds: 30), rating: rating("0", status: .free)), "emergency calls are not external charges")
        #expect(!p.shouldPrint(call("299", "0142681234", seconds: 30), rating: rating("0.10")), "default none")
        #expect(p.shouldPrint(call("299", "0142681234", seconds: 30, account: "4711"), rating: rating("0.10")), "monitored business code")
    }

    @Test func rulesFromText() {
        #expect(TicketPolicy.rule("cost>0.50") == .costAbove(Money("0.50")!))
        #expect(TicketPolicy.rule("duration>300") == .durationAbove(300))
        #expect(TicketPolicy.rule("prefixes:00,089") == .prefixes(["00", "089"]))
        #expect(TicketPolicy.rule("sometimes") == nil)
    }
}
