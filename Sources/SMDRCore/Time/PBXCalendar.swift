/// What a parser needs to place the PBX's wall-clock times: the site's zone and, for PBXs that
/// print no year, where the year comes from.
public struct PBXCalendar {
    public let clock: ZoneClock
    public var years: YearResolver

    public init(_ options: ParseOptions) {
        clock = ZoneClock(timeZone: options.timeZone)
        years = options.makeYearResolver()
    }
}
