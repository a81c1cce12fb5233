/// A wall-clock date and time with no zone, as a PBX prints it.
public struct CivilDateTime: Sendable, Equatable, Comparable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int

    public init?(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        guard (1...12).contains(month), day >= 1, day <= CivilDateTime.daysIn(month: month, year: year),
            (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = min(second, 59)
    }

    /// Seconds since 1970-01-01T00:00:00 reading this wall time as if it were UTC.
    public var secondsAsUTC: Int64 {
        Int64(CivilDateTime.daysFromCivil(year, month, day)) * 86_400
            + Int64(hour * 3600 + minute * 60 + second)
    }

    /// The wall time `seconds` after 1970-01-01T00:00:00.
    public init(secondsAsUTC seconds: Int64) {
        let (days, rest) = CivilDateTime.split(seconds)
        let (y, m, d) = CivilDateTime.civilFromDays(Int(days))
        year = y
        month = m
        day = d
        hour = rest / 3600
        minute = rest % 3600 / 60
        second = rest % 60
    }

    /// Seconds after 1970-01-01T00:00:00 as whole days and the second of the last day (0..<86,400).
    @inline(__always) static func split(_ seconds: Int64) -> (days: Int64, secondOfDay: Int) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        return (days, Int(seconds - days * 86_400))
    }

    public func adding(days: Int) -> CivilDateTime {
        CivilDateTime(secondsAsUTC: secondsAsUTC + Int64(days) * 86_400)
    }

    public static func < (a: CivilDateTime, b: CivilDateTime) -> Bool { a.secondsAsUTC < b.secondsAsUTC }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Howard Hinnant's days_from_civil: proleptic Gregorian date to days since 1970-01-01.
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
