/// Siemens Hicom 150 E / HiPath 3000 / 5000 / OpenScape Business call-charge output.
///
/// Source: HiPath 3000/5000 V6/V9 service documentation (Tables 6-7/6-8), Hicom 150 E Office
/// manual; `shared/reference/formats/siemens-hipath.md`. Two layouts, told apart per line by the
/// blank at column 9 of the long format:
///
/// **GetAccount / compressed** (1-based): date of call **end** `DD.MM.YY` 1-8, end time 9-16,
/// trunk 17-19, node 20-22, extension 23-28, duration in seconds 29-33, duration `hh:mm:ss` 34-41,
/// external number 42-66, tariff units 67-77, call type 78 (`1` in, `2` out), account code 79-89,
/// MSN 90-100, 5-digit trunk 101-105, LCR route 106-109.
///
/// **Long (printer)**: date 1-8, time 10-17, trunk 19-21, station 23-28, ring 30-34, duration
/// 36-43, number 45-64, amount 66-76, information element 78-79: `1`/`3` incoming, `2`/`4`
/// outgoing, `5`/`6` forwarded in/out, `7`/`8` conference or transit by external transfer, `9`
/// outgoing via forwarding to an external destination, `0` ringing information (not a call),
/// +50 = through DISA. A form feed every 62 lines, a header in the system language.
///
/// Both print the **end** of the call; start = end − duration. Digits suppressed by "suppress
/// last 4 digits" print as `?`: the number is then masked.
public enum SiemensHiPathFormat: SMDRFormat {
    public static let id = "siemens-hipath"
    public static let title = "Siemens Hicom 150 E / HiPath 3000/5000 call charges (GetAccount and long format)"

    static func isLong(_ t: ByteText) -> Bool { t.matches("99.99.99 99:99:99", at: 0) }
    static func isCompressed(_ t: ByteText) -> Bool { t.matches("99.99.9999:99:99", at: 0) }

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 50) { isLong(ByteText($0)) || isCompressed(ByteText($0)) }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            let long = SiemensHiPathFormat.isLong(t)
            guard long || SiemensHiPathFormat.isCompressed(t) else {
                if !t.trimmed.contains(where: \.isDigit) || line.bytes.decoded.lowercased().contains("dat") {
                    return out.append(line.skip(.columnHeader))
                }
                return out.append(line.reject("a HiPath record starts with the end date DD.MM.YY and time hh:mm:ss", format: id))
            }
            let timeAt = long ? 9 : 8
            guard let end = CivilDateTime(year: 2000 + t.number(6, 2)!, month: t.number(3, 2)!, day: t.number(0, 2)!,
                hour: t.number(timeAt, 2)!, minute: t.number(timeAt + 3, 2)!, second: t.number(timeAt + 6, 2)!)
            else { return out.append(line.reject("invalid end date/time", format: id)) }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            var number: String?
            if long {
                r.trunk = t.string(columns: 19...21)
                r.extension_ = t.string(columns: 23...28)
                r.ringSeconds = t.field(columns: 30...34).int ?? t.field(columns: 30...34).clockSeconds
                guard let d = t.field(columns: 36...43).clockSeconds else { return out.append(line.reject("duration at columns 36-43 is not hh:mm:ss", format: id)) }
                r.durationSeconds = d
                number = t.string(columns: 45...64)
                r.pbxCost = t.string(columns: 66...76).flatMap(Decimals.normalise)
                guard var info = t.field(columns: 78...79).int else { return out.append(line.reject("information element (columns 78-79) missing", format: id)) }
                if info >= 50 {
                    r.flags.insert(.disa)
                    info -= 50
                }
                if info == 0 { return out.append(line.skip(.ringNotice)) }
                switch info {
                case 1, 3, 5, 7: r.direction = .incoming
                default: r.direction = .outgoing
                }
                if [5, 6, 9].contains(info) { r.flags.insert(.forward) }
                if [7, 8].contains(info) { r.flags.insert(.transfer) }
                r.setExtra("information_element", .int(info))
            } else {
                r.trunk = t.string(columns: 17...19)
                r.setExtra("node", t.string(columns: 20...22))
                r.extension_ = t.string(columns: 23...28)
                guard let d = t.field(columns: 29...33).int ?? t.field(columns: 34...41).clockSeconds else {
                    return out.append(line.reject("duration (columns 29-33 seconds, 34-41 hh:mm:ss) missing", format: id))
                }
                r.durationSeconds = d
                number = t.string(columns: 42...66)
                r.units = t.field(columns: 67...77).int
                switch t[77] {
                case UInt8(ascii: "1"): r.direction = .incoming
                case UInt8(ascii: "2"): r.direction = .outgoing
                default: break
                }
                r.accountCode = t.string(columns: 79...89)
                r.setExtra("msn", t.string(columns: 90...100))
                r.setExtra("trunk5", t.string(columns: 101...105))
                r.setExtra("lcr_route", t.string(columns: 106...109))
            }
            r.dialed = number
            if let n = number, n.contains(Character("?")) { r.flags.insert(.masked) } else { r.number = number?.phoneDigits }
            r.answered = (r.durationSeconds ?? 0) > 0
            r.setTimes(start: nil, end: clock.zoned(end), elapsed: r.durationSeconds, zone: clock)
            out.append(.record(r))
        }
    }

    static func row(_ fields: [(Int, String)], width: Int) -> String { MitelFormat.line(fields, width: width) }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [row([(1, "13.09.26"), (9, "14:05:33"), (17, "  1"), (20, "  1"), (23, "   201"), (29, "  125"), (34, "00:02:05"), (42, "0892123456"), (67, "          8"), (78, "2"), (79, "4711")], width: 109)],
            [
                "end": "\"2026-09-13T14:05:33+02:00\"", "start": "\"2026-09-13T14:03:28+02:00\"", "duration_s": "125", "units": "8",
                "direction": "\"outgoing\"", "extension": "\"201\"", "trunk": "\"1\"", "number": "\"0892123456\"", "account_code": "\"4711\"",
            ]),
        FormatVector(
            [row([(1, "13.09.26"), (10, "14:05:33"), (19, "  2"), (23, "   202"), (30, "   12"), (36, "00:01:00"), (45, "08912????"), (66, "       0.36"), (78, "51")], width: 79)],
            ["direction": "\"incoming\"", "flags": "[\"disa\",\"masked\"]", "pbx_cost": "\"0.36\"", "ring_s": "12", "number": "null"]),
    ]
}
