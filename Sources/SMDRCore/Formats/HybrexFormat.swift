/// Hybrex GD-320 (and the DK-Digital lineage sharing its printout) station message detail report.
///
/// Sources: ATSlog parser library `gd-320` (`shared/reference/formats/field-families.md`,
/// third-party code); the DK-Digital CDB-600 operating instructions, p. 92, for the same heading
/// and the S column (`other-families.md`, official); the field capture
/// `shared/field/hybrex/gd-320.smdr` (1000 lines, CRLF, BEL first on every line).
///
/// Heading, repeated every few records (1-based columns after the BEL):
/// `ST.  TK S TELEPHONE NUMBER         Account  MM/DD START     DURATION  RING`
///
/// | cols (after BEL) | field |
/// |---|---|
/// | 1-4 | station (extension); blank when none; a few lines print `_` first and no blank after (`_1106807`: station 1106, trunk 807); the `_` is kept as `station_prefix`, its meaning is not documented |
/// | 6-8 | trunk |
/// | 10 | S: `#` put on hold, `*` answered the held call, `X` cut off by toll restriction (DK-Digital) (`condition_code`) |
/// | 12-35 | telephone number: digits as dialled (outgoing), `CLI Num: <digits>` (incoming, caller's number), `Incoming` (incoming, no number); DK-Digital also prints `DDI Num:`, `CLI NoAns:`, `Incoming no answer` |
/// | 37-44 | account code |
/// | 46-50 | date `MM/DD` (no year: the year comes from `--year` / the receive date) |
/// | 52-60 | **start** `hh:mm'ss"` (heading START) |
/// | 62-70 | duration `hh:mm'ss"` |
/// | 72-77 | ring `mm'ss"` (incoming only) |
/// | after | UNIT, meter pulses (DK-Digital; not printed by the GD-320 sample) |
///
/// The date is found by its shape (`MM/DD hh:mm` after a blank) and the number and account columns
/// are counted back from it, so a site with other widths still reads.
///
/// **Start**: the column is headed START. Start + duration = end.
///
/// **Direction**: `CLI Num:`, `CLI NoAns:`, `DDI Num:` or `Incoming` = incoming; anything else (digits,
/// or nothing dialled) is an outgoing trunk call, the only other kind the report prints (every line
/// has a trunk). `X` lines are outgoing calls cut off: not answered.
///
/// **Anonymised digits**: the capture's minutes and seconds reach 78. Durations and ring times
/// are read as printed (m×60 + s) without a range check; a start that cannot be a clock reading
/// (minutes or seconds above 59, hour above 23) gives null start and end, the record stays.
public enum HybrexFormat: SMDRFormat {
    public static let id = "hybrex"
    public static let title = "Hybrex GD-320 / DK-Digital SMDR (ST. TK S TELEPHONE NUMBER … MM/DD START DURATION RING)"

    /// Where the text starts: after a BEL (or other control bytes) the PBX prints first.
    @inline(__always) static func base(_ t: ByteText) -> Int {
        var b = 0
        while b < t.count && b < 4 && t[b] < 0x20 && t[b] != 0x09 { b += 1 }
        return b
    }

    static func isHeading(_ t: ByteText) -> Bool {
        t.find("TELEPHONE NUMBER") != nil || (t.find("ST.") != nil && t.find("TK") != nil && t.find("MM/DD") != nil)
    }

    /// Column of `MM/DD hh:mm` (after a blank), past the station and trunk.
    static func dateAt(_ t: ByteText) -> Int? {
        var from = base(t) + 8
        while let at = t.find("99/99 99:99", from: from) {
            if t[at - 1].isBlank { return at }
            from = at + 1
        }
        return nil
    }

    static func isRecord(_ t: ByteText) -> Bool {
        guard let at = dateAt(t) else { return false }
        let b = base(t)
        // Station/trunk digits first, and a `hh:mm'ss"` duration after the start.
        guard (b..<(b + 8)).contains(where: { t[$0].isDigit }) else { return false }
        return t.find("99:99'99\"", from: at + 6) != nil || t.find("99'99\"", from: at + 11) != nil
    }

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 50) { l in
            let t = ByteText(l)
            return isHeading(t) || isRecord(t)
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            if HybrexFormat.isHeading(t) { return out.append(line.skip(.columnHeader)) }
            guard let at = HybrexFormat.dateAt(t) else {
                if t.isRule { return out.append(line.skip(.rule)) }
                return out.append(line.reject("a Hybrex record carries MM/DD and the start hh:mm'ss\" after the station, trunk and number", format: id))
            }
            let b = HybrexFormat.base(t)
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            // Station and trunk.
            var station = t.field(b, b + 5)
            if station.first == UInt8(ascii: "_") {
                r.setExtra("station_prefix", "_")
                station = station.dropFirst().trimmed
            }
            r.extension_ = station.isEmpty ? nil : station.decoded
            r.trunk = t.string(b + 5, b + 8)
            let s = t[b + 9]
            let numberFrom = b + 11
            let accountFrom = max(numberFrom, at - 9)
            r.accountCode = t.string(accountFrom, at - 1)
            let field = t.field(numberFrom, accountFrom)
            // Start, then duration, ring and units by shape.
            var startEnd = at + 6
            while startEnd < t.count && !t[startEnd].isBlank { startEnd += 1 }
            let startClock = LooseClock.clock(t.slice(at + 6, startEnd))
            let rest = ByteText(t.slice(startEnd, t.count))
            var durationSeen = false
            for token in rest.tokens() {
                let f = rest.slice(token.lowerBound, token.upperBound)
                if f.contains(UInt8(ascii: ":")) && !durationSeen, let d = LooseClock.seconds(f) {
                    r.durationSeconds = d
                    durationSeen = true
                } else if f.contains(UInt8(ascii: "'")) && r.ringSeconds == nil, let ring = LooseClock.seconds(f) {
                    r.ringSeconds = ring
                } else if f.allDigits && r.units == nil {
                    r.units = f.int
                } else {
                    return out.append(line.reject("unexpected '\(f.decoded)' after the start time (duration hh:mm'ss\", ring mm'ss\", units)", format: id))
                }
            }
            var notAnswered = false
            switch s {
            case UInt8(ascii: "#"), UInt8(ascii: "*"):
                r.flags.insert(.hold)
                r.setExtra("condition_code", String(UnicodeScalar(s)))
            case UInt8(ascii: "X"):
                notAnswered = true
                r.setExtra("condition_code", "X")
            case 0x20: break
            default:
                return out.append(line.reject("S column (after the trunk) holds '\(String(UnicodeScalar(s)))': expected #, *, X or blank", format: id))
            }
            let text = field.decoded
            if field.isEmpty {
                r.direction = .outgoing
            } else if let caller = Self.after(text, "CLI Num:") {
                r.direction = .incoming
                r.number = caller.phoneDigits
            } else if let caller = Self.after(text, "CLI NoAns:") {
                r.direction = .incoming
                r.number = caller.phoneDigits
                notAnswered = true
            } else if let ddi = Self.after(text, "DDI Num:") {
                r.direction = .incoming
                r.dialed = ddi.nonBlank
            } else if text.hasPrefix("Incoming") {
                r.direction = .incoming
                let more = text.dropFirst("Incoming".count).trimmingCharacters(in: .whitespaces)
                if more.lowercased() == "no answer" {
                    notAnswered = true
                } else if !more.isEmpty {
                    return out.append(line.reject("unknown text after 'Incoming': '\(more)'", format: id))
                }
            } else if let f = field.first, f.isDigit || f == UInt8(ascii: "*") || f == UInt8(ascii: "#") {
                r.direction = .outgoing
                r.dialed = text
                r.number = text.phoneDigits
            } else if s == UInt8(ascii: "X") {
                r.direction = .outgoing
                r.setExtra("message", text)
            } else {
                return out.append(line.reject("telephone number '\(text)' is neither digits nor an incoming marker (CLI Num:, Incoming)", format: id))
            }
            r.answered = notAnswered ? false : r.durationSeconds.map { $0 > 0 }
            let month = t.number(at, 2)!, day = t.number(at + 3, 2)!
            var start: ZonedTime?
            if let c = startClock, (1...12).contains(month) {
                let year = calendar.years.year(month: month, day: day)
                start = CivilDateTime(year: year, month: month, day: day, hour: c.h, minute: c.m, second: c.s).map { calendar.clock.zoned($0) }
            }
            r.setTimes(start: start, end: nil, elapsed: r.durationSeconds, zone: calendar.clock)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }

        /// The text after `marker` when `text` starts with it.
        static func after(_ text: String, _ marker: String) -> String? {
            text.hasPrefix(marker) ? String(text.dropFirst(marker.count)) : nil
        }
    }

    static let bel = "\u{07}"

    public static let vectors: [FormatVector] = [
        FormatVector(
            [bel + "2210 801    CLI Num: 80622066700             07/04 10:48'18\" 00:00'10\" 00'06\"      "], options: .vectorsWith(year: 2005),
            [
                "start": "\"2005-07-04T10:48:18+02:00\"", "end": "\"2005-07-04T10:48:28+02:00\"", "duration_s": "10", "ring_s": "6",
                "direction": "\"incoming\"", "extension": "\"2210\"", "trunk": "\"801\"", "number": "\"80622066700\"", "answered": "true",
            ]),
        FormatVector(
            [bel + "1101 802 # 416101                            07/04 10:42'12\" 00:00'16\"             "], options: .vectorsWith(year: 2005),
            ["direction": "\"outgoing\"", "number": "\"416101\"", "dialed": "\"416101\"", "flags": "[\"hold\"]", "condition_code": "\"#\"", "duration_s": "16"]),
        // Anonymised digits: seconds 70 is no clock reading; the record stays with start null.
        FormatVector(
            [bel + "2101 801   80640271028                       07/04 10:48'70\" 00:00'76\"             "], options: .vectorsWith(year: 2005),
            ["start": "null", "end": "null", "duration_s": "76", "number": "\"80640271028\""]),
        FormatVector(
            [bel + "_1102807    Incoming                         07/04 16:04'17\" 00:00'21\" 00'00\"      "], options: .vectorsWith(year: 2005),
            ["extension": "\"1102\"", "trunk": "\"807\"", "station_prefix": "\"_\"", "direction": "\"incoming\"", "number": "null", "ring_s": "0"]),
        FormatVector(
            [bel + "2107 804 X 818                               07/04 16:12'41\" 00:00'00\"             "], options: .vectorsWith(year: 2005),
            ["condition_code": "\"X\"", "answered": "false", "direction": "\"outgoing\"", "number": "\"818\""]),
    ]
}
