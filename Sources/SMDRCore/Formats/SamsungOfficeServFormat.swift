/// Samsung OfficeServ SMDR over TCP (NUL-terminated records of 154 or 122 characters) and the
/// DCS / DS-24D printed report.
///
/// Source: brofield/pbxlog (slices), Samsung DCS manual example and MMC 725;
/// `shared/reference/formats/samsung-officeserv.md`.
///
/// OfficeServ slices (0-based, end-exclusive): call id 2-8, extension 9-15, authorization code
/// 16-25, `MM/DD hh:mm:ss` 26-40 (start, no year), duration 41-49, call type 50-52, dialled 53-71,
/// account code 72-89, cost 90-100, CLI 101-117, and on 154-character records CLI name 118-136,
/// group 137-143, ring time 143-151. The DCS report is read by tokens:
/// `EXT [AUTH] TRK MM/DD hh:mm:ss hh:mm:ss FG DIGITS [CLI NAME]`.
///
/// Call types (FG): `O` out, `I` in, `DI`/`DO`/`DE` DISA in/out/error, `FO`/`FI` forwarded,
/// `A` abandoned, `IT` incoming transfer, `OT` outgoing then transferred, `TT` transferred again,
/// `T` last leg of a transferred call. Page headers (`====` rules) and IN/OUT GROUP, DND
/// pseudo-records are skipped.
public enum SamsungOfficeServFormat: SMDRFormat {
    public static let id = "samsung-officeserv"
    public static let title = "Samsung OfficeServ / DCS SMDR (NUL-terminated TCP records, printed report)"

    static let types: [String: Direction?] = [
        "O": .outgoing, "I": .incoming, "DI": .incoming, "DO": .outgoing, "DE": nil, "FO": .outgoing, "FI": .incoming,
        "A": .incoming, "T": nil, "IT": .incoming, "OT": .outgoing, "TT": nil,
    ]

    static func stampAt(_ t: ByteText) -> Int? {
        guard let at = t.find("99/99 99:99:99"), t.matches("99:99:99", at: at + 15) else { return nil }
        return at
    }

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 40) { l in
            let t = ByteText(l)
            guard let at = stampAt(t) else { return false }
            let fg = t.tokens().first { $0.lowerBound > at + 23 }.map { t.string($0) } ?? ""
            return types[fg] != nil
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            let s = line.bytes.decoded
            if line.text.find("====") != nil || s.hasPrefix("EXT ") || line.text.find("STT.TIME") != nil { return out.append(line.skip(.pageHeader)) }
            guard let at = SamsungOfficeServFormat.stampAt(t) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("a Samsung SMDR record carries MM/DD hh:mm:ss hh:mm:ss (start, duration)", format: id))
            }
            let month = t.number(at, 2)!, day = t.number(at + 3, 2)!
            let year = calendar.years.year(month: month, day: day)
            guard let civil = CivilDateTime(year: year, month: month, day: day, hour: t.number(at + 6, 2)!, minute: t.number(at + 9, 2)!, second: t.number(at + 12, 2)!),
                let duration = t.slice(at + 15, at + 23).clockSeconds
            else { return out.append(line.reject("invalid date, time or duration", format: id)) }
            var r = CallRecord(format: id, raw: s, line: line.number, offset: line.offset)
            let fixed = at == 26 && (t.count >= 100)
            var type: String
            var digits: String?
            var cli: String?
            if fixed {
                r.callID = t.string(2, 8)
                r.extension_ = t.string(9, 15)
                r.setExtra("auth_code", t.string(16, 25))
                type = t.string(50, 52) ?? ""
                digits = t.string(53, 71)
                r.accountCode = t.string(72, 89)
                r.pbxCost = t.string(90, 100).flatMap(Decimals.normalise)
                cli = t.string(101, 117)
                if t.count >= 150 {
                    r.setExtra("caller_name", t.string(118, 136))
                    r.setExtra("group", t.string(137, 143))
                    let ring = t.field(143, 151)
                    r.ringSeconds = ring.clockSeconds ?? ring.int
                }
            } else {
                // Printed report: EXT [AUTH] TRK before the date, FG and digits after the duration.
                let before = ByteText(t.slice(0, at)).tokens().map { ByteText(t.slice(0, at)).string($0) }
                if before.count >= 2 {
                    r.extension_ = before.first
                    r.trunk = before.last
                    if before.count >= 3 { r.setExtra("auth_code", before[1]) }
                } else {
                    r.trunk = before.first
                }
                let tail = ByteText(t.slice(at + 23, t.count))
                let tokens = tail.tokens().map { tail.string($0) }
                type = tokens.first ?? ""
                digits = tokens.count > 1 ? tokens[1] : nil
                if tokens.count > 2 { r.setExtra("caller_name", tokens[2...].joined(separator: " ")) }
            }
            guard let dirEntry = SamsungOfficeServFormat.types[type] else {
                if let d = digits, d.contains("GROUP") || d.contains("DND") { return out.append(line.skip(.event, "group/DND change")) }
                return out.append(line.reject("unknown call type '\(type)'", format: id))
            }
            r.durationSeconds = duration
            r.dialed = digits
            switch type {
            case "A": r.answered = false
            default: r.answered = duration > 0
            }
            var direction = dirEntry
            if (type == "T" || type == "TT") && (cli != nil || r.extra("caller_name") != nil) { direction = .incoming }
            r.direction = direction
            if ["T", "IT", "OT", "TT"].contains(type) { r.flags.insert(.transfer) }
            if ["FO", "FI"].contains(type) { r.flags.insert(.forward) }
            if ["DI", "DO", "DE"].contains(type) { r.flags.insert(.disa) }
            r.number = (direction == .incoming ? (cli ?? digits) : digits)?.phoneDigits
            r.setExtra("call_type", type)
            r.setExtra("cli", cli)
            r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)
            out.append(.record(r))
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            ["205 702 01/02 17:31:06 00:03:00 TT 13055556420 PIZZA DELIVERY"], options: .vectorsWith(year: 2026),
            [
                "start": "\"2026-01-02T17:31:06+01:00\"", "duration_s": "180", "extension": "\"205\"", "trunk": "\"702\"",
                "direction": "\"incoming\"", "flags": "[\"transfer\"]", "number": "\"13055556420\"", "caller_name": "\"PIZZA DELIVERY\"",
            ]),
        FormatVector(
            ["701 01/02 17:41:45 00:00:30 A 13055553426 TERRY PRUITT"], options: .vectorsWith(year: 2026),
            ["answered": "false", "extension": "null", "trunk": "\"701\"", "direction": "\"incoming\""]),
        FormatVector(
            [MitelFormat.line([(3, "000123"), (10, "201"), (27, "11/04 09:12:12"), (42, "00:02:40"), (51, "O"), (54, "0142681234"), (73, "4711"), (91, "0.80")], width: 122)],
            options: .vectorsWith(year: 2026),
            ["call_id": "\"000123\"", "extension": "\"201\"", "direction": "\"outgoing\"", "number": "\"0142681234\"", "account_code": "\"4711\"", "pbx_cost": "\"0.80\"", "end": "\"2026-11-04T09:14:52+01:00\""]),
    ]
}
