
/// `hh:mm:ss`, `mm:ss`, `hh:mm'ss"`, `mm'ss"` read without range checks: some field captures have
/// anonymised digits (minutes and seconds up to 88). Durations are summed as printed; a clock
/// reading is returned raw and `CivilDateTime` decides whether it can be a time of day.
enum LooseClock {
    /// The numeric parts (1 to 3) separated by `:`, `'` or `.`, an optional closing `"`; `nil` otherwise.
    static func parts<C: Collection<UInt8>>(_ c: C) -> (Int, Int, Int, count: Int)? {
        var v = [0, 0, 0]
        var n = 0
        var current = -1
        var closed = false
        var started = false
        var trailing = false
        for b in c {
            if b.isBlank {
                if started { trailing = true }
                continue
            }
            if trailing || closed { return nil }
            started = true
            if b.isDigit {
                current = (current < 0 ? 0 : current) &* 10 &+ Int(b) - 48
                if current > 999_999 { return nil }
            } else if b == UInt8(ascii: ":") || b == UInt8(ascii: "'") || b == UInt8(ascii: ".") {
                guard current >= 0, n < 2 else { return nil }
                v[n] = current
                n += 1
                current = -1
            } else if b == UInt8(ascii: "\"") {
                closed = true
            } else {
                return nil
            }
        }
        guard current >= 0, n >= 1 else { return nil }
        v[n] = current
        return (v[0], v[1], v[2], n + 1)
    }

    /// Seconds of a duration: h×3600 + m×60 + s, or m×60 + s.
    static func seconds<C: Collection<UInt8>>(_ c: C) -> Int? {
        guard let p = parts(c) else { return nil }
        return p.count == 3 ? p.0 * 3600 + p.1 * 60 + p.2 : p.0 * 60 + p.1
    }

    /// Hour, minute, second as printed (`hh:mm` gives second 0).
    static func clock<C: Collection<UInt8>>(_ c: C) -> (h: Int, m: Int, s: Int)? {
        guard let p = parts(c) else { return nil }
        return p.count == 3 ? (p.0, p.1, p.2) : (p.0, p.1, 0)
    }
}
