import Foundation
import SMDRCalls
import SMDRCore
import Testing

func records(_ text: String, format: String, year: Int? = nil, zone: String = "Europe/Paris") -> [CallRecord] {
    let handle = FormatHandle.builtIn.first { $0.id == format }!
    var p = StreamParser(format: handle, options: ParseOptions(timeZone: TimeZone(identifier: zone)!, year: year))
    var events: [ParseEvent] = []
    p.push(Array(text.utf8), into: &events)
    p.finish(into: &events)
    return events.compactMap { if case .record(let r) = $0 { r } else { nil } }
}

func assemble(quiet: Int64 = 120, _ rs: [CallRecord]) -> [AssembledCall] {
    var a = CallAssembler(quietSeconds: quiet)
    var calls: [AssembledCall] = []
    for r in rs { calls += a.add(r) }
    return calls + a.flush()
}

struct AssemblyTests {
    /// Avaya KB examples 3 and 4: one call (Call ID 1000014160), John Smith then voicemail.
    @Test func avayaCallIDAndContinuation() {
        let calls = assemble(records(
            """
            2008/06/28 09:30:57,00:00:13,7,01707392200,I,299999,299999,,0,1000014160,1,E4750,John Smith,T9002,LINE 1.2,11,0
            2008/06/28 09:30:57,00:00:21,0,01707392200,I,299999,299999,,0,1000014160,0,V9502,VM Channel 2,T9002,LINE 1.2,0,0
            2008/06/26 10:27:44,00:00:44,4,4688,O,4207,4207,,1,1000013898,0,E4688,Joe Bloggs,E4207,John Smith,0,0

            """, format: "avaya-ipo"))
        #expect(calls.count == 2)
        let t = calls.first { $0.key == "1000014160" }!
        #expect(t.legs.count == 2)
        #expect(t.legs[0].party == "4750" && t.legs[0].partyName == "John Smith" && t.legs[0].record.holdSeconds == 11)
        #expect(t.legs[1].role == .transferred && t.legs[1].record.flags.contains(.voicemail))
    }

    /// Panasonic (Darfo capture): the operator 501 takes the call by DISA, transfers it to 222
    /// (TR, same trunk and caller); each party is a leg charged to itself.
    @Test func panasonicTransferByTrunkAndNumber() {
        let calls = assemble(records(
            """
            10/12/20 16:29    501 02 <I>3484201367        00:00'28 EU00000.00            D0
            10/12/20 16:30    234 02 <I>3484201367        00:00'45 EU00000.00            TR
            10/12/20 16:30    231    EXT236
            10/12/20 16:32    234 03 0364531372           00:01'55 EU00000.00

            """, format: "panasonic"))
        #expect(calls.count == 3)
        let t = calls.first { $0.legs.count == 2 }!
        #expect(t.legs.map(\.party) == ["501", "234"])
        #expect(t.legs[1].role == .transferred)
        #expect(t.setUpBy == "501" && t.lastLeg?.party == "234")
        #expect(t.lastLeg?.record.durationSeconds == 45)
    }

    /// A consultation (EXTnnn) by a party of the call belongs to it, not charged.
    @Test func panasonicConsultationLine() {
        let calls = assemble(records(
            """
            10/12/20 17:21    501 01 <I>3409979097        00:00'38 EU00000.00            D0
            10/12/20 17:22    234    EXT231
            10/12/20 17:22    234 01 <I>3409979097        00:00'23 EU00000.00            TR
            10/12/20 17:23    231 01 <I>3409979097        00:00'57 EU00000.00

            """, format: "panasonic"))
        #expect(calls.count == 1)
        #expect(calls[0].legs.map(\.party) == ["501", "234", "234", "231"])
        #expect(calls[0].legs.map(\.role) == [.first, .consultation, .transferred, .transferred])
    }

    /// Records that arrive together (a backlog, `journal reprocess`) all received at one moment:
    /// an intercom line of 234 an hour before its transfer, and one of 501 half an hour after its
    /// call, are calls of their own; the one made during the call is its consultation.
    @Test func consultationsBelongToTheCallOfTheirTime() {
        let rs = records(
            """
            10/12/20 16:20    234    EXT240
            10/12/20 17:21    501 01 <I>3409979097        00:00'38 EU00000.00            D0
            10/12/20 17:22    234    EXT231
            10/12/20 17:22    234 01 <I>3409979097        00:00'23 EU00000.00            TR
            10/12/20 17:23    231 01 <I>3409979097        00:00'57 EU00000.00
            10/12/20 17:55    501    EXT202

            """, format: "panasonic")
        var a = CallAssembler()
        var calls: [AssembledCall] = []
        for r in rs { calls += a.add(r, receivedAt: 1_607_620_000) }
        calls += a.flush()
        let transferred = calls.first { $0.legs.count > 1 }
        #expect(transferred?.legs.map(\.party) == ["501", "234", "234", "231"])
        #expect(transferred?.legs.map(\.role) == [.first, .consultation, .transferred, .transferred])
        #expect(calls.count == 3, "the transferred call and two intercom calls: \(calls.map { $0.legs.map(\.party) })")
        #expect(calls.filter { $0.legs.count == 1 }.compactMap { $0.legs[0].party }.sorted() == ["234", "501"])
    }

    /// Nortel sample: S and E are one transferred call (6101 then 2463), N is another.
    @Test func nortelStartAndEndRecords() {
        let calls = assemble(records(
            """
            S 025 00 T010 016 6101 05/09 07:47 00:00:20 5566472
            N 027 00 2343 T010 011 05/09 07:46 00:01:12 A 19995567563
            E 028 00 T010 016 2463 05/09 07:48 00:00:52 5566472

            """, format: "nortel-meridian", year: 2026))
        #expect(calls.count == 2)
        let t = calls.first { $0.legs.count == 2 }!
        #expect(t.legs.map(\.party) == ["6101", "2463"])
        #expect(t.legs.map { $0.record.durationSeconds } == [20, 52])
    }

    /// Mitel: one record names the transfer's third party: two legs.
    @Test func mitelTransferInOneRecord() {
        let line = String(repeating: " ", count: 90)
        var chars = Array(line)
        for (col, v) in [(2, "11/03"), (8, "03:10P"), (15, "00:02:22"), (24, "T102"), (30, "008"), (34, "201"), (62, "201"), (66, "T"), (68, "202")] {
            for (k, c) in v.enumerated() { chars[col - 1 + k] = c }
        }
        let calls = assemble(records(String(chars) + "\r\n", format: "mitel", year: 2026))
        #expect(calls.count == 1 && calls[0].legs.map(\.party) == ["201", "202"])
    }

    /// OmniPCX Enterprise: the ticket's initial dialled number is the station first called.
    @Test func oxeInitialDialledNumber() {
        let t = AlcatelOXEFormat.ticket([
            "TicketVersion": "ED5.2", "CalledNumber": "4012", "ChargedNumber": "4015", "CallingNumber": "0612345678", "CallType": "4",
            "EndDateTime": "20261104 10:00:30", "Duration": "30", "InitialDialledNumber": "4012", "RedirectedCallIndicator": "1",
        ])
        let calls = assemble(records(t + "\r\n", format: "alcatel-oxe"))
        #expect(calls[0].legs.map(\.party) == ["4012", "4015"])
        #expect(calls[0].legs[1].role == .forwarded)
    }

    /// OmniPCX Office starts a new statement per transferred party: same trunk and number, joined.
    /// (Each statement prints when its leg ends: the quiet period must outlast the next leg.)
    @Test func oxoNewStatementPerParty() {
        let calls = assemble(quiet: 600, records(
            """
            A101  <--  N01  04/11/26  09:12  00:00:40      0  ST      0612345678
            A104  <--  N01  04/11/26  09:13  00:03:00      0  ST  X   0612345678
            A101  -->  N01  04/11/26  09:30  00:01:00      2  ST      0142681234

            """, format: "alcatel-oxo"))
        #expect(calls.count == 2)
        #expect(calls.first { $0.legs.count == 2 }?.legs.map(\.party) == ["A101", "A104"])
    }

    /// A transferred party's record is the moment that party hung up: it is reported at once
    /// (for the cost recall), long before the call's quiet period closes it.
    @Test func transferredLegsAreReportedWhenTheyEnd() {
        var a = CallAssembler(quietSeconds: 3600)
        let rs = records(
            """
            10/12/20 16:29    501 02 <I>3484201367        00:00'28 EU00000.00            D0
            10/12/20 16:30    234 02 <I>3484201367        00:00'45 EU00000.00            TR

            """, format: "panasonic")
        #expect(a.add(rs[0]).isEmpty && a.takeEndedLegs().isEmpty)
        #expect(a.add(rs[1]).isEmpty)
        let ended = a.takeEndedLegs()
        #expect(ended.count == 1)
        #expect(ended.first?.setUpBy == "501" && ended.first?.lastLeg?.party == "234")
        #expect(a.takeEndedLegs().isEmpty)
    }

    /// Formats with no continuation marker close a call after its quiet period.
    @Test func quietPeriodClosesCalls() {
        var a = CallAssembler(quietSeconds: 60)
        let rs = records("10/12/20 16:29    501 02 <I>3484201367        00:00'28 EU00000.00            D0\n", format: "panasonic")
        #expect(a.add(rs[0]).isEmpty)
        let end = rs[0].end!.utc
        #expect(a.advance(to: end + 59).isEmpty)
        #expect(a.advance(to: end + 60).count == 1)
    }
}

struct DurationLimitTests {
    let zone = ZoneClock(timeZone: TimeZone(identifier: "UTC")!)

    func leg(_ party: String, start: Int64, seconds: Int, role: AssembledCall.Leg.Role, flags: CallFlags = [], extras: [ExtraField] = []) -> AssembledCall.Leg {
        var r = CallRecord(format: "t", raw: "", line: 1)
        r.start = zone.zoned(utc: start)
        r.end = zone.zoned(utc: start + Int64(seconds))
        r.durationSeconds = seconds
        r.direction = .incoming
        r.extension_ = party
        r.flags = flags
        r.extras = extras
        return AssembledCall.Leg(record: r, role: role, party: party, partyName: nil)
    }

    let limits = DurationLimits(perStation: ["200": 600, "201": 300, "202": 900], defaultLimit: 120)

    /// On transfer the maximum restarts at the destination station's value.
    @Test func transferRestartsAtTheDestinationsLimit() {
        let call = AssembledCall(key: "1", legs: [leg("200", start: 1000, seconds: 60, role: .first), leg("201", start: 1060, seconds: 400, role: .transferred)])
        let v = limits.check(call)
        #expect(v[0].allowedEnd == 1600 && v[0].exceededBy == nil)
        #expect(v[1].allowedEnd == 1360)  // 1060 + 300 (201's limit), not 200's
        #expect(v[1].exceededBy == 100)  // ended at 1460
    }

    /// A three-party conference is cut at the running maximum: no restart.
    @Test func conferenceIsCutAtTheMaximum() {
        let call = AssembledCall(key: "1", legs: [
            leg("201", start: 0, seconds: 200, role: .first), leg("202", start: 200, seconds: 200, role: .transferred, flags: [.conference]),
        ])
        let v = limits.check(call)
        #expect(v[1].allowedEnd == 300)  // 201's limit from the call's start, not 202's 900
        #expect(v[1].exceededBy == 100)
    }

    /// A Meet-me conference has no limit.
    @Test func meetMeIsUnlimited() {
        let call = AssembledCall(key: "1", legs: [
            leg("201", start: 0, seconds: 5000, role: .first, flags: [.conference], extras: [ExtraField(key: "party2_device", value: .string("V1010"))])
        ])
        let v = limits.check(call)
        #expect(v[0].allowedEnd == nil && v[0].exceededBy == nil)
    }

    /// Parking does not restart the limit: the leg after the park keeps the running end.
    @Test func parkDoesNotRestart() {
        let call = AssembledCall(key: "1", legs: [
            leg("201", start: 0, seconds: 100, role: .first, flags: [.park]), leg("202", start: 150, seconds: 200, role: .transferred),
        ])
        let v = limits.check(call)
        #expect(v[1].allowedEnd == 300)  // still 201's 0 + 300
        #expect(v[1].exceededBy == 50)
    }

    /// The warning comes 20 s before the end.
    @Test func warningTwentySecondsBefore() {
        let v = limits.check(AssembledCall(key: "1", legs: [leg("201", start: 1000, seconds: 10, role: .first)]))
        #expect(v[0].allowedEnd == 1300 && v[0].warningAt == 1280)
        #expect(limits.limit(for: "999") == 120 && limits.limit(for: "202") == 900)
    }
}
