/// Supplies the year for PBXs that print `mm/dd` only (Mitel, Nortel, Samsung, NEC SV).
///
/// With `--year`, the first record takes that year and each December-to-January step in the
/// stream moves on one year. Without it, each record takes the latest year that does not put it
/// more than a day after the receive date (a December record received in January is last year's).
public struct YearResolver: Sendable {
    public let fixedYear: Int?
    public let reference: CivilDateTime
    private var currentYear: Int?
    private var lastMonth: Int?

    public init(fixedYear: Int?, reference: CivilDateTime) {
        self.fixedYear = fixedYear
        self.reference = reference
        self.currentYear = fixedYear
    }

    public mutating func year(month: Int, day: Int) -> Int {
        if fixedYear != nil, var y = currentYear {
            if let last = lastMonth, month < last, last - month >= 6 { y += 1 }
            currentYear = y
            lastMonth = month
            return y
        }
        let y = reference.year
        let limit = reference.adding(days: 1)
        if let candidate = CivilDateTime(year: y, month: month, day: min(day, CivilDateTime.daysIn(month: month, year: y))),
            candidate > limit
        {
            return y - 1
        }
        return y
    }
}
