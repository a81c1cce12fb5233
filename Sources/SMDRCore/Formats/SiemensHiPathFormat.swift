/// Siemens Hicom 150 E / 250 / 350H / HiPath 3000 / 3750 / 5000 / OpenScape Business call-charge output.
///
/// Sources: HiPath 3000/5000 V6/V9 service documentation (Tables 6-7/6-8), Hicom 150 E Office
/// manual (`shared/reference/formats/siemens-hipath.md`, official); the ATSlog libraries
/// `hicom-250`, `hicom-350h` and `hipath-3750` (`field-families.md`, third-party code); the field
/// captures `shared/field/siemens/hicom-250.smdr` and `hicom-350h.smdr`.
///
/// What the family shares: a line starts (after an optional `$`) with the date, day first
/// (`DD.MM.YY` or `dd/mm/yy`), then the time of the call's **end** `hh:mm:ss`, and carries the
/// duration as `hh:mm:ss`. Five layouts, told apart per line by what follows the date:
///
/// **GetAccount / compressed** (HiPath, official; date directly followed by the time): end date
/// `DD.MM.YY` 1-8, end time 9-16, trunk 17-19, node 20-22, extension 23-28, duration in seconds
/// 29-33, duration `hh:mm:ss` 34-41, external number 42-66, tariff units 67-77, call type 78 (`1`
/// in, `2` out), account code 79-89, MSN 90-100, 5-digit trunk 101-105, LCR route 106-109.
///
/// **Long (printer)** (Hicom 150 E / HiPath, official; one blank after the date, no clock right
/// after the time): date 1-8, time 10-17, trunk 19-21, station 23-28, ring 30-34, duration 36-43,
/// number 45-64, amount 66-76, information element 78-79: `1`/`3` incoming, `2`/`4` outgoing,
/// `5`/`6` forwarded in/out, `7`/`8` conference or transit by external transfer, `9` outgoing via
/// forwarding to an external destination, `0` ringing information (not a call), +50 = through
/// DISA. A form feed every 62 lines, a header in the system language.
///
/// **Separated** (HiPath 3000/3750, Hicom 150; ATSlog `hipath-3750`, no sample): fields split by
/// `|` or `;`, the line ending with one: 1 date, 2 time, 3 trunk, 4 extension, 5 ring time,
/// 6 duration, 7 number, 8 unknown, 9 call type, 10-11 unknown, 12 a prefix, 13 cost. The field
/// order is the long format's, so the call type is read with the information-element table above
/// (ATSlog reads only `1` = incoming; the table agrees on `1` and `2`). Field 12 is kept as
/// `dial_prefix`; 8, 10 and 11 are not named by any source and are left in `raw`.
///
/// **Spaced** (Hicom 250, ATSlog `hicom-250` + capture): `dd/mm/yy  hh:mm:ss  hh:mm:ss  EXT  TRK
/// NUMBER`, blank runs between the fields (1-based on the sample: date 1-8, time 11-18, duration
/// 21-28, extension 32-34, trunk 39-40, number from 43). Read by tokens after the duration, since
/// widths differ between sites.
///
/// **Packed** (Hicom 350H, ATSlog `hicom-350h` + capture): `$`, date 2-9, time 10-17 and duration
/// 18-25 with no separators, trunk 26-28, number 30-50 (ATSlog reads 31-50 and loses the first
/// digit: column 30 is the number's first digit, with it the numbers are 7-digit local numbers
/// beginning `3` and 11-digit ones beginning `80`), extension 51-54, service 55-57 (`VCE`),
/// 58-67 `BAUD 0` (the data rate, not kept).
///
/// **Start or end.** The official HiPath layouts print the **end** of the call. On the Hicom 250
/// capture the printed times of its 603 records never go back (0 inversions), while printed time +
/// duration goes back 164 times: the lines are printed as calls end, stamped with the end. The
/// Hicom 350H capture's digits are anonymised (hours, minutes and seconds alike), so its order
/// proves nothing; the family's documented rule (end) is applied to every layout: start = end −
/// duration.
///
/// **Direction.** Only the compressed (call type), long and separated (information element)
/// layouts print one. The Hicom 250 and 350H lines carry no marker (ATSlog stores all 250 records
/// as outgoing and all 350H records as incoming, testing nothing): direction null there.
///
/// **Anonymised digits.** Durations are read as h×3600 + m×60 + s without a range check (the
/// 350H capture prints `00:00:80`). A printed time that cannot be a clock reading (minutes or
/// seconds above 59, hour above 23) or an impossible date gives null start and end: the record
/// is still read (its duration, extension, trunk and number are facts), the time is not guessed.
///
/// Digits suppressed by "suppress last 4 digits" print as `?`: the number is then masked.
/// Non-record lines: rules (`####`) and the long format's heading (no digits, or a word like
/// `Datum`/`Date`) are skipped by name; anything else is rejected.
public enum SiemensHiPathFormat: SMDRFormat {
    public static let id = "siemens-hipath"
    public static let title = "Siemens Hicom 150 E/250/350H, HiPath 3000/3750/5000 call charges (GetAccount, long, separated, Hicom 250 and 350H)"

    enum Layout: Equatable {
        case compressed, long, separated(UInt8), spaced, packed
    }

    /// `DD.MM.YY` or `DD/MM/YY` at `at`.
    @inline(__always) static func isDate(_ t: ByteText, _ at: Int) -> Bool {
        let s = t[at + 2]
        guard s == UInt8(ascii: ".") || s == UInt8(ascii: "/"), t[at + 5] == s else { return false }
        return t[at].isDigit && t[at + 1].isDigit && t[at + 3].isDigit && t[at + 4].isDigit && t[at + 6].isDigit && t[at + 7].isDigit
    }

    /// The layout of a record line and the column of its date (1 after a `$`), or `nil`.
    static func shape(_ t: ByteText) -> (layout: Layout, at: Int)? {
        let o = t[0] == UInt8(ascii: "$") ? 1 : 0
        guard isDate(t, o) else { return nil }
        let next = t[o + 8]
        if next == UInt8(ascii: "|") || next == UInt8(ascii: ";") {
            return t.matches("99:99:99", at: o + 9) ? (.separated(next), o) : nil
        }
        if t.matches("99:99:99", at: o + 8) {
            return t.matches("99:99:99", at: o + 16) ? (.packed, o) : (.compressed, o)
        }
        guard next.isBlank else { return nil }
        var i = o + 8
        while i < o + 13 && t[i].isBlank { i += 1 }
        guard t.matches("99:99:99", at: i), t[i + 8].isBlank || i + 8 >= t.count else { return nil }
        // A clock within a few columns after the time is the duration (Hicom 250); the long format
        // has the trunk there and its duration at column 36.
        var j = i + 8
        while j < i + 13 && j < t.count && t[j].isBlank { j += 1 }
        if j > i + 8, t.matches("99:99:99", at: j), !t.matches("99:99:99", at: j + 9) {
            var k = j + 8
            while k < t.count && t[k].isBlank { k += 1 }
            // Karel-like `date start end duration` lines carry a third clock: not this family.
            if k < t.count && (t.matches("99:99", at: k) || t.matches("9:99", at: k)) { return nil }
            return (.spaced, o)
        }
        if i == o + 9 && t[o + 2] == UInt8(ascii: ".") { return (.long, o) }
        return nil
    }

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 50) { shape(ByteText($0)) != nil }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        let monthFirst: Bool
        init(_ options: ParseOptions) {
            clock = ZoneClock(timeZone: options.timeZone)
            monthFirst = options.dateOrder == .mdy
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard let shape = SiemensHiPathFormat.shape(t) else { return nonRecord(line, into: &out) }
            let layout = shape.layout, o = shape.at
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            let timeAt: Int
            switch layout {
            case .compressed, .packed: timeAt = o + 8
            case .separated: timeAt = o + 9
            case .long: timeAt = o + 9
            case .spaced:
                var i = o + 8
                while i < t.count && t[i].isBlank { i += 1 }
                timeAt = i
            }
            var number: String?
            switch layout {
            case .long:
                r.trunk = t.string(columns: 19...21)
                r.extension_ = t.string(columns: 23...28)
                r.ringSeconds = t.field(columns: 30...34).int ?? LooseClock.seconds(t.field(columns: 30...34))
                guard let d = LooseClock.seconds(t.field(columns: 36...43)) else {
                    return out.append(line.reject("duration at columns 36-43 is not hh:mm:ss", format: id))
                }
                r.durationSeconds = d
                number = t.string(columns: 45...64)
                r.pbxCost = t.string(columns: 66...76).flatMap(Decimals.normalise)
                guard let info = t.field(columns: 78...79).int else {
                    return out.append(line.reject("information element (columns 78-79) missing", format: id))
                }
                if info % 50 == 0 && info < 100 { return out.append(line.skip(.ringNotice, "information element \(info): ringing information")) }
                SiemensHiPathFormat.apply(informationElement: info, to: &r)
            case .compressed:
                r.trunk = t.string(columns: 17...19)
                r.setExtra("node", t.string(columns: 20...22))
                r.extension_ = t.string(columns: 23...28)
                guard let d = t.field(columns: 29...33).int ?? LooseClock.seconds(t.field(columns: 34...41)) else {
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
            case .separated(let sep):
                var fields: [ArraySlice<UInt8>] = []
                var s = o
                for i in o..<t.count where t[i] == sep {
                    fields.append(t.field(s, i))
                    s = i + 1
                }
                if s < t.count { fields.append(t.field(s, t.count)) }
                func f(_ i: Int) -> ArraySlice<UInt8> { i < fields.count ? fields[i] : [] }
                guard fields.count >= 7 else {
                    return out.append(line.reject("a separated HiPath record has at least 7 fields (date, time, trunk, extension, ring, duration, number)", format: id))
                }
                guard let d = LooseClock.seconds(f(5)) else {
                    return out.append(line.reject("duration (field 6) is not hh:mm:ss", format: id))
                }
                r.durationSeconds = d
                r.trunk = f(2).isEmpty ? nil : f(2).decoded
                r.extension_ = f(3).isEmpty ? nil : f(3).decoded
                r.ringSeconds = f(4).int ?? LooseClock.seconds(f(4))
                number = f(6).isEmpty ? nil : f(6).decoded
                if let info = f(8).int {
                    if info % 50 == 0 && info < 100 { return out.append(line.skip(.ringNotice, "call type \(info): ringing information")) }
                    SiemensHiPathFormat.apply(informationElement: info, to: &r)
                }
                r.setExtra("dial_prefix", f(11).isEmpty ? nil : f(11).decoded)
                r.pbxCost = f(12).isEmpty ? nil : Decimals.normalise(f(12).decoded)
            case .spaced:
                guard let d = LooseClock.seconds(t.field(timeAt + 8, timeAt + 30).prefix { !$0.isBlank }) else {
                    return out.append(line.reject("duration after the time is not hh:mm:ss", format: id))
                }
                r.durationSeconds = d
                var k = timeAt + 8
                while k < t.count && t[k].isBlank { k += 1 }
                let rest = ByteText(t.slice(k + 8, t.count))
                let tokens = rest.tokens()
                guard tokens.count >= 2 else {
                    return out.append(line.reject("a Hicom 250 record has the extension and the trunk after the duration", format: id))
                }
                r.extension_ = rest.string(tokens[0])
                r.trunk = rest.string(tokens[1])
                if tokens.count > 2 { number = tokens[2...].map { rest.string($0) }.joined(separator: " ") }
            case .packed:
                guard let d = LooseClock.seconds(t.slice(o + 16, o + 24)) else {
                    return out.append(line.reject("duration (columns 18-25) is not hh:mm:ss", format: id))
                }
                r.durationSeconds = d
                r.trunk = t.string(o + 24, o + 27)
                number = t.string(o + 27, o + 49)
                let ext = t.field(o + 49, o + 53)
                guard ext.isEmpty || ext.allDigits else {
                    return out.append(line.reject("extension (columns 51-54) is not digits: not the Hicom 350H layout", format: id))
                }
                r.extension_ = ext.isEmpty ? nil : ext.decoded
                r.setExtra("service", t.string(o + 53, o + 56))
            }
            r.dialed = number
            if let n = number, n.contains(Character("?")) { r.flags.insert(.masked) } else { r.number = number?.phoneDigits }
            r.answered = (r.durationSeconds ?? 0) > 0
            let a = t.number(o, 2)!, b = t.number(o + 3, 2)!
            let dotted = t[o + 2] == UInt8(ascii: ".")
            let (day, month) = monthFirst && !dotted ? (b, a) : (a, b)
            let end = LooseClock.clock(t.slice(timeAt, timeAt + 8)).flatMap { c in
                CivilDateTime(year: 2000 + t.number(o + 6, 2)!, month: month, day: day, hour: c.h, minute: c.m, second: c.s)
            }
            r.setTimes(start: nil, end: end.map { clock.zoned($0) }, elapsed: r.durationSeconds, zone: clock)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }

        func nonRecord(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            if t.isRule { return out.append(line.skip(.rule)) }
            if SiemensHiPathFormat.isHeading(t) { return out.append(line.skip(.columnHeader)) }
            out.append(line.reject("a Siemens record starts with the date DD.MM.YY or dd/mm/yy (after a `$` on the Hicom 350H) and the end time hh:mm:ss", format: id))
        }
    }

    /// The long format's heading, in the system language (German, English, Italian, Russian
    /// transliterated): a column word such as `Datum`/`Date`/`Data`, `Zeit`/`Time`, `Trk`/`Ltg`,
    /// `Stn`/`Tln`, `Dauer`/`Duration`, and no clock reading.
    static func isHeading(_ t: ByteText) -> Bool {
        guard t.find("99:99") == nil else { return false }
        let lower = t.decoded.lowercased()
        return ["dat", "zeit", "time", "trk", "ltg", "stn", "tln", "dauer", "durat"].contains { lower.contains($0) }
    }

    /// Direction and flags from the long format's information element (also the separated format's call type).
    static func apply(informationElement value: Int, to r: inout CallRecord) {
        var info = value
        if info >= 50 {
            r.flags.insert(.disa)
            info -= 50
        }
        switch info {
        case 1, 3, 5, 7: r.direction = .incoming
        case 2, 4, 6, 8, 9: r.direction = .outgoing
        default: break
        }
        if [5, 6, 9].contains(info) { r.flags.insert(.forward) }
        if [7, 8].contains(info) { r.flags.insert(.transfer) }
        r.setExtra("information_element", .int(info))
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
        // Long format under its heading (German system language); `;`-separated output.
        FormatVector(
            ["Datum    Zeit     Ltg Tln    Ruf   Dauer    Rufnummer            Betrag      I",
             row([(1, "13.09.26"), (10, "14:05:33"), (19, "  2"), (23, "   202"), (30, "   12"), (36, "00:01:00"), (45, "0891234567"), (66, "       0.36"), (78, " 6")], width: 79)],
            ["direction": "\"outgoing\"", "flags": "[\"forward\"]", "number": "\"0891234567\"", "information_element": "6"]),
        FormatVector(
            ["13.09.26;14:05:33;1;201;;00:00:45;0301234567;;1;;;;;"],
            ["direction": "\"incoming\"", "duration_s": "45", "number": "\"0301234567\"", "start": "\"2026-09-13T14:04:48+02:00\"", "ring_s": "null"]),
        // Hicom 250 (field capture): end time, duration, extension, trunk, number.
        FormatVector(
            ["21/12/05  18:19:33  00:04:39   107    04  427594                "],
            [
                "end": "\"2005-12-21T18:19:33+01:00\"", "start": "\"2005-12-21T18:14:54+01:00\"", "duration_s": "279", "extension": "\"107\"",
                "trunk": "\"04\"", "number": "\"427594\"", "direction": "null", "answered": "true",
            ]),
        // Hicom 350H (field capture): the number's first digit is column 30.
        FormatVector(
            ["$10/11/0111:08:1200:00:03118 80803151481          1130VCEBAUD 0    "],
            [
                "end": "\"2001-11-10T11:08:12+01:00\"", "duration_s": "3", "trunk": "\"118\"", "number": "\"80803151481\"", "extension": "\"1130\"",
                "service": "\"VCE\"", "direction": "null",
            ]),
        // Hicom 350H with anonymised digits: seconds 88 is no clock reading, the record stays.
        FormatVector(
            ["$10/11/0111:02:8800:00:80103 3333180              1500VCEBAUD 0    "],
            ["end": "null", "start": "null", "duration_s": "80", "number": "\"3333180\"", "extension": "\"1500\""]),
        // HiPath 3750 separated output (field order per ATSlog `hipath-3750`; values written from it).
        FormatVector(
            ["13.09.26|14:05:33|  1|   201|    5|00:02:05|0892123456||2|||0|0.36|"],
            [
                "end": "\"2026-09-13T14:05:33+02:00\"", "duration_s": "125", "direction": "\"outgoing\"", "trunk": "\"1\"", "extension": "\"201\"",
                "ring_s": "5", "number": "\"0892123456\"", "dial_prefix": "\"0\"", "pbx_cost": "\"0.36\"", "information_element": "2",
            ]),
    ]
}
