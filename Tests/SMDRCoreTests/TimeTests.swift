import Foundation
import SMDRCore
import Testing

struct TimeTests {
    let paris = ZoneClock(timeZone: TimeZone(identifier: "Europe/Paris")!)

    @Test func wallTimesTakeTheOffsetInForce() {
        #expect(paris.zoned(CivilDateTime(year: 2026, month: 11, day: 4, hour: 9, minute: 12, second: 12)!).iso8601 == "2026-11-04T09:12:12+01:00")
        #expect(paris.zoned(CivilDateTime(year: 2026, month: 7, day: 4, hour: 9, minute: 12, second: 12)!).iso8601 == "2026-07-04T09:12:12+02:00")
    }

    @Test func aCallAcrossTheAutumnChangeKeepsItsRealLength() {
        // 2026-10-25 03:00 CEST becomes 02:00 CET. A call printed as ending 02:10 (second pass)
        // after 30 minutes started at 02:40 summer time.
        let start = paris.zoned(CivilDateTime(year: 2026, month: 10, day: 25, hour: 1, minute: 50)!)
        let end = paris.zoned(utc: start.utc + 3600)
        #expect(start.iso8601 == "2026-10-25T01:50:00+02:00")
        #expect(end.iso8601 == "2026-10-25T02:50:00+02:00")
        let later = paris.zoned(utc: start.utc + 2 * 3600)
        #expect(later.iso8601 == "2026-10-25T02:50:00+01:00")
    }

    @Test func theRepeatedHourReadsAsItsFirstOccurrence() {
        let t = paris.zoned(CivilDateTime(year: 2026, month: 10, day: 25, hour: 2, minute: 30)!)
        #expect(t.iso8601 == "2026-10-25T02:30:00+02:00")
    }

    @Test func theSkippedHourReadsWithTheOldOffset() {
        // 2026-03-29 02:00 CET jumps to 03:00 CEST: 02:30 on the PBX's clock is 03:30 summer time.
        let t = paris.zoned(CivilDateTime(year: 2026, month: 3, day: 29, hour: 2, minute: 30)!)
        #expect(t.iso8601 == "2026-03-29T03:30:00+02:00")
    }

    @Test func panasonicEndTimeAcrossMidnightGivesYesterdaysStart() {
        // Ended 00:02 after 5 minutes: started the day before.
        let result = parseAll("01/01/26 00:02    201 01 0142681234           00:05'00 EU00000.00\n", format: "panasonic")
        #expect(result.records.first?.start?.iso8601 == "2025-12-31T23:57:00+01:00")
        #expect(result.records.first?.end?.iso8601 == "2026-01-01T00:02:00+01:00")
    }

    @Test func panasonicCallEndingAfterTheSpringChange() {
        // Ended 03:10 CEST after 20 minutes: began 01:50 CET (the hour 02:00-03:00 does not exist).
        let result = parseAll("29/03/26 03:10    201 01 0142681234           00:20'00 EU00000.00\n", format: "panasonic")
        #expect(result.records.first?.start?.iso8601 == "2026-03-29T01:50:00+01:00")
    }

    @Test func yearForDatesWithoutOne() {
        let january = CivilDateTime(year: 2027, month: 1, day: 3)!
        var inferred = YearResolver(fixedYear: nil, reference: january)
        #expect(inferred.year(month: 12, day: 30) == 2026)
        #expect(inferred.year(month: 1, day: 2) == 2027)
        var fixed = YearResolver(fixedYear: 2026, reference: january)
        #expect(fixed.year(month: 12, day: 31) == 2026)
        #expect(fixed.year(month: 1, day: 1) == 2027)
    }

    @Test func civilArithmetic() {
        let d = CivilDateTime(year: 2024, month: 2, day: 29, hour: 23, minute: 59, second: 59)!
        #expect(CivilDateTime(secondsAsUTC: d.secondsAsUTC) == d)
        #expect(CivilDateTime(year: 2026, month: 2, day: 29) == nil)
        #expect(d.adding(days: 1) == CivilDateTime(year: 2024, month: 3, day: 1, hour: 23, minute: 59, second: 59))
    }
}
