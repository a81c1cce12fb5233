/// Inter-Tel Axxess (8520) SMDR: 80 columns, a 2-line page header that carries the only date.
///
/// Source: real lines from fmahnke/axxess_8520_smdr_client; `shared/reference/formats/intertel-axxess.md`.
/// No vendor document has been found; columns come from the captured lines (0-based):
///
/// | columns | field |
/// |---|---|
/// | 0-2 | TYP: `TLC` `TLD` `LOC` `O/I` outgoing (toll local, long distance, local, international), `IN` incoming, blank = ring record |
/// | 4-8 | EXT# (`*****` = no station) |
/// | 10-14 | TRUNK |
/// | 16-… | DIALED DIGITS (`RG ` prefix on ring records, `RING......0063`), then the DID/extension rung |
/// | … | START `HH:MM`, ELAPSED `S=<seconds>`, COST `$00.00`, ACCOUNT CODE, and `*` in column 79 |
///
/// Records have no date: the date of the last page header is used (moving on a day when the start
/// time falls back by more than 12 hours); before any header, start and end are null. A ring
/// record (blank TYP) is an unanswered ringing phase: `ring_s` holds its seconds, `duration_s` is 0.
public enum InterTelAxxessFormat: SMDRFormat {
    public static let id = "intertel-axxess"
    public static let title = "Inter-Tel Axxess SMDR (S=seconds, date from page header)"

    static let types: [String: Direction] = ["TLC": .outgoing, "TLD": .outgoing, "LOC": .outgoing, "O/I": .outgoing, "IN": .incoming, "OUT": .outgoing]

    public static func claim(_ lines: [String]) -> Int {
        var score = 0
        for l in lines {
            if l.hasPrefix("Station Message Detailed Recording") { score += 60 }
            if l.hasPrefix("TYP EXT#") { score += 30 }
            if l.contains(" S=") && ByteText(l).find("99:99", from: 20) != nil { score += 10 }
        }
        return min(score, 95)
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        var pageDate: CivilDateTime?
        var lastMinutes: Int?
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            var t = line.text
            // XON/XOFF-like noise seen on the live port: `Q` before a line, `R` after it.
            if t.count == 1, t[0] == UInt8(ascii: "Q") || t[0] == UInt8(ascii: "R") { return out.append(line.skip(.control)) }
            if t.count > 80, t[t.count - 1] == UInt8(ascii: "R") { t = ByteText(t.slice(0, t.count - 1)) }
            let s = line.bytes.decoded
            if s.hasPrefix("Station Message Detailed Recording") {
                if let d = t.find("99-99-9999") {
                    pageDate = CivilDateTime(year: t.number(d + 6, 4)!, month: t.number(d, 2)!, day: t.number(d + 3, 2)!)
                    lastMinutes = nil
                }
                return out.append(line.skip(.pageHeader))
            }
            if s.hasPrefix("TYP ") { return out.append(line.skip(.columnHeader)) }
            guard let timeAt = t.find("99:99", from: 16), let sAt = t.find("S=", from: timeAt + 5), let elapsed = ArraySlice(t.slice(sAt + 2, t.count).prefix { $0.isDigit }).int
            else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("an Axxess record has its start time HH:MM and elapsed S=<seconds> after the digits", format: id))
            }
            let typ = t.string(0, 3)
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            if let typ {
                guard let dir = InterTelAxxessFormat.types[typ] else {
                    return out.append(line.reject("unknown record type '\(typ)' in columns 1-3", format: id))
                }
                r.direction = dir
                r.durationSeconds = elapsed
                r.answered = elapsed > 0
            } else {
                r.direction = .incoming
                r.ringSeconds = elapsed
                r.durationSeconds = 0
                r.answered = false
                r.setExtra("record_type", "ring")
            }
            let ext = t.string(4, 9)
            r.extension_ = ext == "*****" ? nil : ext
            r.trunk = t.string(10, 15)
            // Digits, then the number rung (a short token just before the time).
            var tokens = ByteText(t.slice(16, timeAt)).tokens().map { ByteText(t.slice(16, timeAt)).string($0) }
            if tokens.first == "RG" { tokens.removeFirst() }
            if tokens.count >= 2, let last = tokens.last, last.count <= 5, last.allSatisfy(\.isNumber) {
                r.setExtra("rang_to", last)
                tokens.removeLast()
            }
            let digits = tokens.joined(separator: " ")
            if digits.hasPrefix("RING") {
                r.setExtra("rang_to", digits.drop { !$0.isNumber }.nonEmpty)
            } else if !digits.isEmpty {
                r.dialed = digits
                r.number = digits.phoneDigits
            }
            if let c = t.find("$", from: sAt) {
                let amount = ArraySlice(t.slice(c + 1, t.count).prefix { $0.isDigit || $0 == UInt8(ascii: ".") })
                r.pbxCost = Decimals.normalise(amount.decoded)
                r.currency = "$"
                let accountStart = c + 1 + amount.count
                r.accountCode = t.string(accountStart, 79)
            }
            if t[79] == UInt8(ascii: "*") { r.setExtra("marker", "*") }
            // Date from the page header, rolling over at midnight.
            let minutes = t.number(timeAt, 2)! * 60 + t.number(timeAt + 3, 2)!
            if let last = lastMinutes, minutes < last - 12 * 60, let d = pageDate { pageDate = d.adding(days: 1) }
            lastMinutes = minutes
            if let d = pageDate, let civil = CivilDateTime(year: d.year, month: d.month, day: d.day, hour: minutes / 60, minute: minutes % 60) {
                r.setTimes(start: clock.zoned(civil), end: nil, elapsed: elapsed, zone: clock)
            }
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [
                "Station Message Detailed Recording                          00:00:04 07-03-2012",
                "TLD 116   94151 1-631-220-3707               09:33     S=65 $00.00              ",
            ],
            [
                "start": "\"2012-07-03T09:33:00+02:00\"", "end": "\"2012-07-03T09:34:05+02:00\"", "duration_s": "65", "direction": "\"outgoing\"",
                "extension": "\"116\"", "trunk": "\"94151\"", "number": "\"16312203707\"", "pbx_cost": "\"0.00\"", "answered": "true",
            ]),
        FormatVector(
            ["    ***** 94129 RG 612-804-4082         8907 00:29      S=5                    *"],
            ["extension": "null", "number": "\"6128044082\"", "rang_to": "\"8907\"", "ring_s": "5", "answered": "false", "start": "null", "marker": "\"*\""]),
    ]
}

extension Substring {
    var nonEmpty: String? { isEmpty ? nil : String(self) }
}
