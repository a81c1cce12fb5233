/// NEC SL1000 / SL1100 / SL2100 / SV8100 / SV9100 SMDR printer report: 80 columns, page headers,
/// a CLASS code per record.
///
/// Source: NEC SL1000/SL1100 Features and Specifications (Tables 1-54, 1-67, 1-69), SL2100
/// Table 1-58, ADFDiesel/nec-smdr; `shared/reference/formats/nec.md` §2.
///
/// | cols (1-based) | field |
/// |---|---|
/// | 1-4 | CLASS: `POT`/`POTA`/`POTP`/`POTW` outgoing, `PIN` incoming, `ICM` intercom, `PTRS`/`ITRS` transferred, `IVIN`/`IVOT`/`IVOTP` ISDN, `IDIN`/`IDOT` tie, `ALB` all lines busy, `BRD` blocked, `BFL` buffer full, `NEXT` caller name of the previous record |
/// | 6-10 | time `HH:MM` (start of the call) |
/// | 12-16 | date `MM/DD` (when program 35-02-14 adds it) |
/// | 18-21 | LINE |
/// | 23-30 | duration `HH:MM:SS` (for a transferred call, from the moment the transfer was answered) |
/// | 32-41 | station number or name |
/// | 43-62 | number dialled, or CLI |
/// | 64-79 | account code, or `NO ANSWER` |
///
/// Header line 1 carries the report date `MM/DD/YYYY` at 61-70: it dates records printed without
/// a DATE column and gives the year. A `NEXT` line completes the record before it, so a record is
/// released when the next line arrives (or at the end of input).
public enum NECSLFormat: SMDRFormat {
    public static let id = "nec-sl"
    public static let title = "NEC SL1000/SL1100/SL2100/SV8100/SV9100 SMDR report (CLASS codes)"

    static let classes: [String: Direction?] = [
        "POT": .outgoing, "POTA": .outgoing, "POTP": .outgoing, "POTW": .outgoing, "PIN": .incoming, "ICM": .internal,
        "PTRS": .incoming, "ITRS": .incoming, "IVIN": .incoming, "IVOT": .outgoing, "IVOTP": .outgoing, "IDIN": .incoming,
        "IDOT": .outgoing, "SDTA": nil, "SAD": nil, "WAD": nil, "ALB": .outgoing, "BRD": .outgoing,
    ]

    public static func claim(_ lines: [String]) -> Int {
        var score = 0
        for l in lines {
            if l.hasPrefix("CLASS") && l.contains("DURATION") { score += 50 }
            let t = ByteText(l)
            let cls = t.string(0, 5) ?? ""
            if classes[cls] != nil, t.matches("99:99", at: 5), t.find("99:99:99", from: 10) != nil { score += 20 }
        }
        return min(score, 95)
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        var reportDate: CivilDateTime?
        var held: CallRecord?

        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func release(into out: inout [ParseEvent]) {
            if let h = held { if h.isReadable { out.append(.record(h)) } else { out.append(h.notACall()) } }
            held = nil
        }

        mutating func finish(into out: inout [ParseEvent]) { release(into: &out) }
        var holding: Bool { held != nil }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            let cls = t.string(0, 5) ?? ""
            if cls == "NEXT", held != nil {
                // The caller's name for the record before.
                let name = t.string(5, t.count)
                held!.setExtra("caller_name", name)
                held!.raw += "\n" + line.bytes.decoded
                return release(into: &out)
            }
            release(into: &out)
            if cls == "NEXT" { return out.append(line.skip(.continuation, "caller name for a record already released")) }
            if let d = t.find("99/99/9999"), t.matches("99/99/9999", at: d) {
                reportDate = CivilDateTime(year: t.number(d + 6, 4)!, month: t.number(d, 2)!, day: t.number(d + 3, 2)!)
                return out.append(line.skip(.pageHeader))
            }
            if cls == "CLASS" || !t.trimmed.contains(where: \.isDigit) { return out.append(line.skip(.pageHeader)) }
            if cls == "BFL" { return out.append(line.skip(.event, "PBX reports its SMDR buffer full (records were lost at the PBX)")) }
            guard let direction = NECSLFormat.classes[cls] else {
                return out.append(line.reject("unknown CLASS '\(cls)' in columns 1-4", format: id))
            }
            guard t.matches("99:99", at: 5), let hour = t.number(5, 2), let minute = t.number(8, 2) else {
                return out.append(line.reject("time HH:MM expected at columns 6-10", format: id))
            }
            // Duration: at 23-30, or wherever `HH:MM:SS` stands when the DATE column is absent.
            guard let durAt = t.find("99:99:99", from: 11), let duration = t.slice(durAt, durAt + 8).clockSeconds else {
                return out.append(line.reject("duration HH:MM:SS not found", format: id))
            }
            var civil: CivilDateTime?
            if t.matches("99/99", at: 11) {
                let month = t.number(11, 2)!, day = t.number(14, 2)!
                let year = reportDate.map { $0.month == 1 && month == 12 ? $0.year - 1 : $0.year } ?? calendar.years.year(month: month, day: day)
                civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute)
            } else if let d = reportDate {
                civil = CivilDateTime(year: d.year, month: d.month, day: d.day, hour: hour, minute: minute)
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.direction = direction
            r.durationSeconds = duration
            r.trunk = t.string(durAt - 5, durAt - 1)
            r.extension_ = t.string(durAt + 9, durAt + 19)
            let dialled = t.string(durAt + 20, durAt + 40)
            r.dialed = dialled
            r.number = dialled?.phoneDigits
            let account = t.string(durAt + 41, durAt + 57)
            if account == "NO ANSWER" {
                r.answered = false
            } else {
                r.accountCode = account
                r.answered = cls == "ALB" || cls == "BRD" ? false : duration > 0
            }
            if cls == "PTRS" || cls == "ITRS" { r.flags.insert(.transfer) }
            r.setExtra("class", cls)
            if let civil { r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock) }
            held = r
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [
                "                                                            11/04/2026 PAGE 001",
                "CLASS TIME  DATE  LINE DURATION STATION    DIALLED No./CLI      ACCOUNT",
                MitelFormat.line([(1, "POT"), (6, "09:12"), (12, "11/04"), (18, "001"), (23, "00:02:41"), (32, "201"), (43, "0142681234"), (64, "4711")], width: 79),
                MitelFormat.line([(1, "PIN"), (6, "09:20"), (12, "11/04"), (18, "002"), (23, "00:00:00"), (32, "202"), (43, "0612345678"), (64, "NO ANSWER")], width: 79),
                "NEXT  DUPONT",
            ],
            [
                "start": "\"2026-11-04T09:12:00+01:00\"", "end": "\"2026-11-04T09:14:41+01:00\"", "duration_s": "161", "direction": "\"outgoing\"",
                "trunk": "\"001\"", "extension": "\"201\"", "number": "\"0142681234\"", "account_code": "\"4711\"", "class": "\"POT\"",
            ]),
        FormatVector(
            [
                "                                                            11/04/2026 PAGE 001",
                MitelFormat.line([(1, "PIN"), (6, "09:20"), (12, "11/04"), (18, "002"), (23, "00:00:00"), (32, "202"), (43, "0612345678"), (64, "NO ANSWER")], width: 79),
                "NEXT  DUPONT",
            ], record: 0,
            ["answered": "false", "direction": "\"incoming\"", "caller_name": "\"DUPONT\"", "account_code": "null"]),
    ]
}
