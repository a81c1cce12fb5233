/// LG / LG-Nortel / Ericsson-LG key systems (GDK, LDK, GHX, GMX, Aria SOHO) and their predecessor
/// GoldStar (GPS-6A): the SMDR printout with a call-type letter in front of the dialled digits.
///
/// Source: the ATSlog parser libraries `gdk-100`, `ldk-300`, `ghx-46`, `gps-6a` (third-party code,
/// `shared/reference/formats/field-families.md`, "LG / GoldStar") and the nine field captures in
/// `shared/field/lg/` and `shared/field/goldstar/`. No vendor document: trust is "captures".
///
/// Two layouts share the fields, their order and the call-type letters; columns differ by model,
/// so the line is read by tokens (a stray short DIALED pad on GDK-162 moves the later columns).
///
/// | layout | models | heading | fields |
/// |---|---|---|---|
/// | numbered | GDK-100/162, LDK-100/300, Aria, GoldStar GPS-6A | `NO STA CO TIME START DIALED ACT CNT COST [ACCOUNT CODE]` | NO, STA, CO, TIME, `date time`, DIALED, ACT, CNT, COST, ACCOUNT CODE |
/// | station-first | GHX-46, GMX-1232 | `STA CO TOTAL START DATE DIALED ACCOUNT CODE` | STA, CO, TOTAL, `hh:mm`, `date`, DIALED, ACCOUNT CODE |
///
/// - NO: the PBX's record number (`record_number`); on LDK the legs of one transferred call share it.
/// - STA: the station (`extension`); `EXT` (no single station: the call rang a group) and `DISA`
///   (flag `disa`) leave `extension` null. CO: the trunk as printed (`28`, `002`).
/// - TIME / TOTAL: the duration (`mm:ss`, `h:mm:ss`, `hh:mm:ss`, GDK right-aligned with optional hours).
/// - START: the **start** of the call. Evidence: the column is headed `START` on every model, and
///   the data agree: an outgoing call transferred to another station (`T`) starts after the call it
///   came from (GDK-162 NO 3339/3342, GPS-6A 3598/3599), and records come out when the call ends:
///   START goes back 25 times in GDK-162's 124 records, START + duration (to the minute) 5 times
///   (LDK-100: 9 and 3, GHX-46: 6 and 0).
/// - Date: `mm/dd/yy` on GDK, GHX, GMX and GoldStar, `dd/mm/yy` on LDK (3-digit CO). The stream's
///   order is settled by the first date whose day is above 12; before that the model's order (from
///   the layout) is used; `--date-order` / `Date-Order:` overrides both. Years are 20yy as printed
///   (a clock left at `92` gives 2092, `00` gives 2000: not corrected). A `00` month or day (GoldStar
///   with its clock unset) leaves the start null.
/// - DIALED starts with the call-type letter (`call_type`):
///   - `O` outgoing + the digits dialled (`P` pause, `*`, `#` kept in `dialed`; `number` is the
///     digits before the first `*`/`#`, which the caller keyed after the number);
///   - `T` an outgoing call transferred to this station + the digits (outgoing, flag `transfer`);
///   - `I` incoming; `RING mm:ss` is the ring time (`ring_s`; `**:51` unreadable: null). What is
///     printed between the letter and `RING` is not the caller where it can be checked: on LDK it
///     is always the station's own number (`I101 RING 00:09` at STA 101: the number the call was
///     routed to, `called_number`), on GDK a lone `2`, `*` or `**`; it stays in `dialed` and
///     `number` is null. Digits with no `RING` after them are the caller's number (GHX `I 22222`,
///     LDK `R8212293000`);
///   - `t` the transferred leg of an incoming call (incoming, flag `transfer`);
///   - `G` STA `EXT` (or a station), zero duration, `RING mm:ss`: an incoming call that rang a
///     group and was **not answered** (a lost call). It has its own record number like every call,
///     and no answered record on the same CO follows it (GDK-162 NO 3283, 3285, 3287, 3288, 3301,
///     3302), so it is read as a record of an unanswered call, not as a ring notice;
///   - `R` zero duration: an incoming call that was **not answered**, with the caller's number
///     (`R8212293000`: a full national number with its area code, which this site never dials for
///     its own city) or the station's number and the ring time (`R121 RING 00:07`).
///   `answered` is false for `G` and `R`, otherwise `duration > 0`.
/// - ACT (`**` or a digit), CNT and COST: ACT is not documented and not kept; CNT is read as the
///   metering count (`units`) and COST as `pbx_cost` when printed (LDK prints `0` and `0`).
/// - Skips: `---- Site Name : … ----` (page header), the column headings, their rules; form feeds,
///   a SUB byte (0x1A) before a record and CRs are line noise.
public enum LGFormat: SMDRFormat {
    public static let id = "lg"
    public static let title = "LG / LG-Nortel / Ericsson-LG GDK, LDK, GHX, GMX, Aria and GoldStar GPS SMDR (START = start of call)"

    public static func claim(_ lines: [String]) -> Int {
        var hits = 0
        var heading = false
        for line in lines {
            let t = ByteText(line)
            var toks = Tokens()
            toks.read(t)
            if Shape.read(t, toks) != nil {
                hits += 1
            } else if isHeading(t, toks) {
                heading = true
            }
        }
        guard hits > 0 || heading else { return 0 }
        return min(100, 40 + (heading ? 20 : 0) + 60 * hits / max(1, lines.count))
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    /// Up to 16 token ranges of a line, with control bytes (SUB, CR, BEL…) read as blanks.
    struct Tokens {
        var starts: [Int] = []
        var ends: [Int] = []
        var count: Int { starts.count }

        mutating func read(_ t: ByteText, limit: Int = 16) {
            starts.reserveCapacity(limit)
            ends.reserveCapacity(limit)
            var i = 0
            let n = t.count
            while i < n && starts.count < limit {
                while i < n && t[i] <= 0x20 { i += 1 }
                if i >= n { break }
                var j = i
                while j < n && t[j] > 0x20 { j += 1 }
                starts.append(i)
                ends.append(j)
                i = j
            }
        }

        func length(_ k: Int) -> Int { k < count ? ends[k] - starts[k] : 0 }
        func range(_ k: Int) -> Range<Int> { starts[k]..<ends[k] }
    }

    static func isHeading(_ t: ByteText, _ toks: Tokens) -> Bool {
        guard toks.count >= 5 else { return false }
        var sta = false, co = false, dialed = false, start = false
        for k in 0..<toks.count {
            let r = toks.range(k)
            let s = t.string(r)
            switch s {
            case "STA": sta = true
            case "CO": co = true
            case "DIALED": dialed = true
            case "START": start = true
            default: break
            }
        }
        return sta && co && dialed && start
    }

    enum Layout { case numbered, stationFirst }

    /// The fixed part of a record: where each field is.
    struct Shape {
        var layout: Layout
        var no: Range<Int>?
        var sta: Range<Int>
        var co: Range<Int>
        var duration: Range<Int>
        var date: Int
        var time: Int
        /// Index of the DIALED token.
        var dial: Int

        static func isClock(_ t: ByteText, _ r: Range<Int>) -> Bool {
            r.count >= 4 && r.count <= 9 && t[r.lowerBound].isDigit && t[r.upperBound - 1].isDigit
                && !(r.lowerBound..<r.upperBound).contains { !t[$0].isDigit && t[$0] != UInt8(ascii: ":") }
        }

        static func isCallType(_ b: UInt8) -> Bool {
            switch b {
            case UInt8(ascii: "O"), UInt8(ascii: "I"), UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "G"), UInt8(ascii: "R"): true
            default: false
            }
        }

        static func isDigits(_ t: ByteText, _ r: Range<Int>, max: Int) -> Bool {
            r.count >= 1 && r.count <= max && !r.contains { !t[$0].isDigit }
        }

        static func isStation(_ t: ByteText, _ r: Range<Int>) -> Bool {
            r.count >= 1 && r.count <= 6 && !r.contains { !t[$0].isDigit && !t[$0].isUpperLetter }
        }

        /// The record's shape, or `nil` when the line is not an LG record.
        static func read(_ t: ByteText, _ k: Tokens) -> Shape? {
            guard k.count >= 6, k.length(4) == 8, t.matches("99/99/99", at: k.starts[4]) else { return nil }
            if k.length(5) == 5 && t.matches("99:99", at: k.starts[5]) {
                // NO STA CO TIME date time DIALED
                guard k.count >= 7, isCallType(t[k.starts[6]]), isDigits(t, k.range(0), max: 6), isStation(t, k.range(1)),
                    isDigits(t, k.range(2), max: 4), isClock(t, k.range(3))
                else { return nil }
                return Shape(layout: .numbered, no: k.range(0), sta: k.range(1), co: k.range(2), duration: k.range(3), date: k.starts[4], time: k.starts[5], dial: 6)
            }
            // STA CO TOTAL time date DIALED
            guard k.length(3) == 5, t.matches("99:99", at: k.starts[3]), isCallType(t[k.starts[5]]), isStation(t, k.range(0)),
                isDigits(t, k.range(1), max: 4), isClock(t, k.range(2))
            else { return nil }
            return Shape(layout: .stationFirst, no: nil, sta: k.range(0), co: k.range(1), duration: k.range(2), date: k.starts[4], time: k.starts[3], dial: 5)
        }
    }

    struct Parser: RecordParser {
        let clock: ZoneClock
        let explicitOrder: ParseOptions.DateOrder?
        /// The order a date with a day above 12 showed.
        var settled: ParseOptions.DateOrder?

        init(_ options: ParseOptions) {
            clock = ZoneClock(timeZone: options.timeZone)
            explicitOrder = options.dateOrder
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            var toks = Tokens()
            toks.read(t, limit: 24)
            guard let shape = Shape.read(t, toks) else { return other(line, t, toks, into: &out) }

            // Date and time.
            let a = t.number(shape.date, 2)!, b = t.number(shape.date + 3, 2)!, yy = t.number(shape.date + 6, 2)!
            let hour = t.number(shape.time, 2)!, minute = t.number(shape.time + 3, 2)!
            guard let duration = t.slice(shape.duration.lowerBound, shape.duration.upperBound).clockSeconds else {
                return out.append(line.reject("unreadable duration '\(t.string(shape.duration))'", format: id))
            }
            var start: ZonedTime?
            if a != 0 && b != 0 {
                let modelOrder: ParseOptions.DateOrder = shape.layout == .numbered && shape.co.count == 3 ? .dmy : .mdy
                var order = explicitOrder ?? settled ?? modelOrder
                if explicitOrder == nil {
                    let shown: ParseOptions.DateOrder? = a > 12 && b <= 12 ? .dmy : (b > 12 && a <= 12 ? .mdy : nil)
                    if let shown {
                        if let settled, settled != shown {
                            return out.append(
                                line.reject(
                                    "date \(t.string(shape.date..<(shape.date + 8))) is \(shown == .dmy ? "day" : "month") first, earlier dates were \(settled == .dmy ? "day" : "month") first: set Date-Order",
                                    format: id))
                        }
                        settled = shown
                        order = shown
                    }
                }
                let (month, day) = order == .mdy ? (a, b) : (b, a)
                guard let civil = CivilDateTime(year: 2000 + yy, month: month, day: day, hour: hour, minute: minute) else {
                    return out.append(
                        line.reject(
                            "invalid date or time '\(t.string(shape.date..<(shape.date + 8))) \(t.string(shape.time..<(shape.time + 5)))' (read \(order == .mdy ? "month" : "day") first; set Date-Order if the PBX prints the other)",
                            format: id))
                }
                start = clock.zoned(civil)
            } else if hour > 23 || minute > 59 {
                return out.append(line.reject("invalid time '\(t.string(shape.time..<(shape.time + 5)))'", format: id))
            }

            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            if let no = shape.no { r.setExtra("record_number", t.string(no)) }
            let sta = t.string(shape.sta)
            if Shape.isDigits(t, shape.sta, max: 6) {
                r.extension_ = sta
            } else if sta == "DISA" {
                r.flags.insert(.disa)
            }
            r.trunk = t.string(shape.co)
            r.durationSeconds = duration

            // DIALED: the call-type letter, what is attached to it, RING mm:ss.
            let dialTok = toks.range(shape.dial)
            let type = t[dialTok.lowerBound]
            var slot: Range<Int> = (dialTok.lowerBound + 1)..<dialTok.upperBound
            var k = shape.dial + 1
            if slot.isEmpty && shape.layout == .stationFirst && k < toks.count && toks.starts[k] == dialTok.lowerBound + 2
                && t.string(toks.range(k)) != "RING"
            {
                // GHX: `O 672418`, `I 22222`, `I #`.
                slot = toks.range(k)
                k += 1
            }
            var ringPrinted = false
            if k < toks.count && t.string(toks.range(k)) == "RING" {
                ringPrinted = true
                if k + 1 < toks.count {
                    r.ringSeconds = t.slice(toks.starts[k + 1], toks.ends[k + 1]).clockSeconds
                    k += 2
                } else {
                    k += 1
                }
            }
            let slotText = slot.isEmpty ? nil : t.string(slot)
            r.dialed = slotText
            r.setExtra("call_type", String(UnicodeScalar(type)))

            switch type {
            case UInt8(ascii: "O"), UInt8(ascii: "T"):
                r.direction = .outgoing
                if type == UInt8(ascii: "T") { r.flags.insert(.transfer) }
                r.number = Self.numberPart(t, slot)
                r.answered = duration > 0
            default:
                r.direction = .incoming
                if type == UInt8(ascii: "t") { r.flags.insert(.transfer) }
                if let slotText, Shape.isDigits(t, slot, max: 20) {
                    if ringPrinted {
                        // Never the caller where it can be checked: the station's own number.
                        if slotText == sta { r.setExtra("called_number", slotText) }
                    } else {
                        r.number = slotText
                    }
                }
                r.answered = (type == UInt8(ascii: "G") || type == UInt8(ascii: "R")) ? false : duration > 0
            }

            // ACT CNT COST ACCOUNT CODE (numbered layout), ACCOUNT CODE (GHX).
            if shape.layout == .numbered {
                if k < toks.count, Self.isAct(t, toks.range(k)) { k += 1 }
                if k < toks.count, Shape.isDigits(t, toks.range(k), max: 7) {
                    r.units = t.slice(toks.starts[k], toks.ends[k]).int
                    k += 1
                    if k < toks.count, let cost = t.string(toks.range(k)).nonBlank.flatMap(Decimals.normalise) {
                        r.pbxCost = cost
                        k += 1
                    }
                }
            }
            if k < toks.count {
                r.accountCode = t.string(toks.starts[k], toks.ends[toks.count - 1])
            }
            r.setTimes(start: start, end: nil, elapsed: duration, zone: clock)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }

        /// ACT: `**` or a short number.
        static func isAct(_ t: ByteText, _ r: Range<Int>) -> Bool {
            r.count <= 3 && !r.contains { !t[$0].isDigit && t[$0] != UInt8(ascii: "*") }
        }

        /// The digits dialled before the first `*` or `#` (pauses `P` dropped); `nil` when none.
        static func numberPart(_ t: ByteText, _ slot: Range<Int>) -> String? {
            var end = slot.upperBound
            for i in slot where t[i] == UInt8(ascii: "*") || t[i] == UInt8(ascii: "#") {
                end = i
                break
            }
            guard end > slot.lowerBound else { return nil }
            return t.string(slot.lowerBound..<end).phoneDigits
        }

        /// A line that is not a record: heading, site name, rule, noise, or a reject.
        func other(_ line: FramedLine, _ t: ByteText, _ toks: Tokens, into out: inout [ParseEvent]) {
            if toks.count == 0 { return out.append(line.skip(.control, "control bytes only")) }
            if LGFormat.isHeading(t, toks) { return out.append(line.skip(.columnHeader)) }
            if let at = t.find("Site Name"), t.isRuleStart {
                var s = at + 9
                while t[s].isBlank || t[s] == UInt8(ascii: ":") { s += 1 }
                // The name ends at the closing run of `-` (a name may hold one: `Parma-Inform`).
                var e = s
                while e < t.count && !(t[e] == UInt8(ascii: "-") && t[e + 1] == UInt8(ascii: "-")) { e += 1 }
                return out.append(line.skip(.pageHeader, t.string(s, e)))
            }
            if t.isRule { return out.append(line.skip(.rule)) }
            if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
            out.append(
                line.reject(
                    "an LG record is NO STA CO TIME date time DIALED (GDK, LDK, GoldStar) or STA CO TOTAL time date DIALED (GHX, GMX), DIALED starting with O, I, t, T, G or R",
                    format: id))
        }
    }

    public static let vectors: [FormatVector] = [
        // GDK-162: outgoing, month first (11/26), START = start.
        FormatVector(
            ["3233  141 28    02:47 11/26/02 09:26 O9274034            ** "],
            [
                "start": "\"2002-11-26T09:26:00+01:00\"", "end": "\"2002-11-26T09:28:47+01:00\"", "duration_s": "167",
                "direction": "\"outgoing\"", "extension": "\"141\"", "trunk": "\"28\"", "number": "\"9274034\"",
                "dialed": "\"9274034\"", "answered": "true", "call_type": "\"O\"", "record_number": "\"3233\"",
            ]),
        // GDK-162: incoming with its ring time.
        FormatVector(
            ["3234  161 16    00:48 11/26/02 09:29 I RING 00:09"],
            ["direction": "\"incoming\"", "ring_s": "9", "number": "null", "dialed": "null", "answered": "true", "duration_s": "48"]),
        // GDK-162: a group call nobody answered.
        FormatVector(
            ["3283  EXT 13    00:00 11/26/02 10:14 G RING 00:14"],
            ["direction": "\"incoming\"", "answered": "false", "extension": "null", "trunk": "\"13\"", "ring_s": "14", "call_type": "\"G\""]),
        // GDK-162: outgoing call transferred to station 139.
        FormatVector(
            ["3342  139 39    00:53 11/26/02 10:36 T9751281            ** "],
            ["direction": "\"outgoing\"", "flags": "[\"transfer\"]", "number": "\"9751281\"", "extension": "\"139\""]),
        // GDK: digits keyed after `#` are not part of the number.
        FormatVector(
            ["3246  161 16    00:58 11/26/02 09:45 O24762312668240#881 ** "],
            ["number": "\"24762312668240\"", "dialed": "\"24762312668240#881\""]),
        // LDK-100: day first (25/05), CNT and COST printed, R = unanswered incoming with the caller's number.
        FormatVector(
            [
                "9253 161   004 00:00:21 25/05/05 08:49 O202663145           **     0           0             ",
                "9283 133   005 00:00:00 25/05/05 09:50 R8212219344                                           ",
            ], record: 1,
            [
                "start": "\"2005-05-25T09:50:00+02:00\"", "direction": "\"incoming\"", "answered": "false", "number": "\"8212219344\"",
                "trunk": "\"005\"", "call_type": "\"R\"",
            ]),
        FormatVector(
            ["9253 161   004 00:00:21 25/05/05 08:49 O202663145           **     0           0             "],
            ["units": "0", "pbx_cost": "\"0\"", "start": "\"2005-05-25T08:49:00+02:00\"", "account_code": "null"]),
        // LDK-100: the digits before RING are the station's own number, not the caller's.
        FormatVector(
            ["9280 101   001 00:00:25 25/05/05 09:46 I101 RING 00:09                                       "],
            ["number": "null", "called_number": "\"101\"", "ring_s": "9", "dialed": "\"101\"", "direction": "\"incoming\""]),
        FormatVector(
            ["9280 121   001 00:00:31 25/05/05 09:46 t                                                     "],
            ["direction": "\"incoming\"", "flags": "[\"transfer\"]", "record_number": "\"9280\"", "answered": "true"]),
        FormatVector(
            ["9278 DISA  003 00:00:03 25/05/05 09:45 I RING 00:13                                          "],
            ["extension": "null", "flags": "[\"disa\"]"]),
        // GHX-46: STA CO TOTAL START DATE DIALED.
        FormatVector(
            ["125 01 0:00:14 10:11 11/15/04 O 672418                            "],
            [
                "start": "\"2004-11-15T10:11:00+01:00\"", "duration_s": "14", "extension": "\"125\"", "trunk": "\"01\"",
                "number": "\"672418\"", "direction": "\"outgoing\"", "record_number": "null",
            ]),
        FormatVector(
            ["301 02 0:01:05 09:42 02/10/00 I 22222                             "],
            ["number": "\"22222\"", "direction": "\"incoming\"", "start": "\"2000-02-10T09:42:00+01:00\""]),
        // GMX-1232: a clock left at 1992 reads 2092 (not corrected).
        FormatVector(["114 06 0:00:44 12:38 12/05/92 O 2426603"], ["start": "\"2092-12-05T12:38:00+01:00\""]),
        // GoldStar GPS-6A.
        FormatVector(
            [" 3599  107  03  09:03 02/02/05 17:24  T81048585255500        "],
            ["duration_s": "543", "extension": "\"107\"", "trunk": "\"03\"", "flags": "[\"transfer\"]", "number": "\"81048585255500\""]),
        FormatVector(
            ["---- Site Name : PBX.LDK-300  ---------------------------------------------------------------",
             "\u{1A}6170 413   002 00:00:37 16/05/02 16:43 O5914766              1     0           0             "],
            ["extension": "\"413\"", "start": "\"2002-05-16T16:43:00+02:00\"", "number": "\"5914766\""]),
    ]
}

extension ByteText {
    /// Starts with a run of `-` (the LDK site-name heading `---- Site Name : … ----`).
    fileprivate var isRuleStart: Bool {
        var i = 0
        while i < count && self[i] <= 0x20 { i += 1 }
        return matches("---", at: i)
    }
}
