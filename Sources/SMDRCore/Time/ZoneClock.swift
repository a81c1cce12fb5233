import Foundation

/// Turns the PBX's wall-clock times into instants in its time zone, across DST changes.
///
/// Zone look-ups are cached per offset interval so parsing a million records costs a handful of
/// Foundation calls. One instance belongs to one parser (it is not shared between threads).
public final class ZoneClock {
    public let timeZone: TimeZone
    private var cachedLow: Int64 = 1
    private var cachedHigh: Int64 = 0
    private var cachedOffset: Int32 = 0
    /// The last wall-clock quarter hour resolved, and its offset: records come in time order.
    private var lastSlot: Int64 = .min
    private var lastSlotOffset: Int32 = 0

    public init(timeZone: TimeZone) {
        self.timeZone = timeZone
    }

    /// The zone's UTC offset at an instant.
    public func offset(atUTC t: Int64) -> Int32 {
        if t >= cachedLow && t < cachedHigh { return cachedOffset }
        let date = Date(timeIntervalSince1970: TimeInterval(t))
        let off = Int32(timeZone.secondsFromGMT(for: date))
        let next = timeZone.nextDaylightSavingTimeTransition(after: date)
        cachedHigh = next.map { Int64($0.timeIntervalSince1970.rounded(.up)) } ?? Int64.max
        // Extend the interval one day back when no transition lies in between, so that
        // a start computed from an end time does not miss the cache.
        let dayBefore = Date(timeIntervalSince1970: TimeInterval(t - 86_400))
        if let back = timeZone.nextDaylightSavingTimeTransition(after: dayBefore), back.timeIntervalSince1970 <= Double(t) {
            cachedLow = Int64(back.timeIntervalSince1970.rounded(.up))
        } else {
            cachedLow = t - 86_400
        }
        cachedOffset = off
        return off
    }

    public func zoned(utc: Int64) -> ZonedTime {
        ZonedTime(utc: utc, offset: offset(atUTC: utc))
    }

    /// The instant a wall-clock time denotes in this zone.
    ///
    /// In the hour that repeats when clocks go back, the first occurrence is taken. A time in the
    /// hour skipped when clocks go forward is read with the offset in force before the change
    /// (02:30 becomes 03:30 summer time), as the PBX's clock would have shown it.
    public func zoned(_ local: CivilDateTime) -> ZonedTime {
        let asUTC = local.secondsAsUTC
        // Offsets change on quarter-hour boundaries in every zone: one look-up per quarter hour.
        let slot = asUTC >= 0 ? asUTC / 900 : (asUTC - 899) / 900
        if slot == lastSlot { return ZonedTime(utc: asUTC - Int64(lastSlotOffset), offset: lastSlotOffset) }
        let resolved = resolve(asUTC)
        lastSlot = slot
        lastSlotOffset = resolved.offset
        return resolved
    }

    private func resolve(_ asUTC: Int64) -> ZonedTime {
        let before = offset(atUTC: asUTC - 86_400)
        let after = offset(atUTC: asUTC + 86_400)
        if before == after {
            // Common case: no transition within a day of this time.
            let t = asUTC - Int64(before)
            let actual = offset(atUTC: t)
            if actual == before { return ZonedTime(utc: t, offset: before) }
        }
        let first = asUTC - Int64(before)
        if offset(atUTC: first) == before { return ZonedTime(utc: first, offset: before) }
        let second = asUTC - Int64(after)
        if offset(atUTC: second) == after { return ZonedTime(utc: second, offset: after) }
        return zoned(utc: first)
    }
}
