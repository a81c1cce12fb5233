import Foundation

/// Panasonic KX-T / KX-TD / KX-TDA / KX-TDE / KX-NS SMDR printouts (`panasonic`: the time is the END
/// of the call), and the KX-TA / KX-TEM / KX-TES / KX-TEB / KX-T1232 / KX-T336100 hybrids
/// (`panasonic-tes`: the time is the START of the call). One tolerant reader serves both.
///
/// Sources: KX-NS1000 and KX-TDA Feature Guides, KX-TD308, KX-TA616/624 and KX-TES824 manuals
/// (`shared/reference/formats/panasonic.md`), the Darfo capture, the ATSlog field captures and
/// parser notes (`shared/reference/formats/field-families.md`, `shared/field/panasonic/`).
///
/// One field order throughout: date, time, extension, CO (trunk), the dial field, [ring `m'ss`],
/// duration `hh:mm'ss`, [cost], account code, condition code (CD / CC). The line is read by
/// landmarks, not fixed columns:
///
/// | variant | columns after date and time |
/// |---|---|
/// | KX-TDA/NS A | Ext(5) CO(2) Dial Number(25) Ring(4) Duration(8) Acc code(10) CD(2) |
/// | KX-TDA/NS B | Ext(5) CO(2) Dial Number(20) Duration(8) Cost(10, `EU00000.00` / `00560.00EU`) Acc code CD |
/// | KX-TDA/NS C | Ext(5) CO(4) Dial Number(50) Ring(4) Duration(8) Cost(11) Acc code(10) CD |
/// | KX-TD816/1232 | Ext CO Dial [Ring] Duration Acc code CD (lines may stop right after the duration) |
/// | KX-TD1232 RU | as above, CP866: time `hh:mmДП`/`ПП`, `<ВХОДЯЩИЙ>`, CD `ПP` (transfer), `ПA` (forward) |
/// | KX-TD500 types A-D | `T` Ext(`E127`, `F2014`) CO(`T10204`) [DN] Dial [Ring] Duration [Cost `00000`] Acct code CC |
/// | KX-T336100 | `T` CD Sour Dest (`E124`/`T1016`, swapped on incoming) DN Dial Duration Acc code |
/// | KX-TA308/616, KX-T1232 | [`*`] `h:mmPM` Ext CO Dial (`<    incoming    >`) Duration `hh:mm'ss"` Code (`....` = none) |
///
/// - Date: `dd/mm/yy`, `mm/dd/yy` or `dd.mm.yy`; month and day may be blank-padded (` 2/26/04`,
///   `11/ 5/02`) or unpadded (`9/25/03`). Order: `--date-order`; otherwise `mm/dd` when the times are
///   12-hour (US and Russian-firmware models), else `dd/mm`; a date only the other order reads
///   switches it. Two-digit years are 20yy.
/// - Time: 24-hour, or 12-hour with `AM`/`PM` or the Russian `ДП`/`ПП` (CP866 or UTF-8). A `*`
///   before the time marks a transferred call (hybrids).
/// - **Start or end.** Official: KX-TD/TDA/TDE/NS print the END of the call, the KX-TA/TES hybrids
///   the START. The field captures agree: on the KX-TD816, TD1232 (also RU) and TD500 captures the
///   printed times never go back while time + duration does (so the time is the end, and lines are
///   printed in end order); on KX-T336100 and KX-T1232 (hybrid layout) the printed times go back
///   (32 and 2 times) while time + duration never does (the time is the start). `panasonic` reads the
///   end, `panasonic-tes` the start; auto-detection picks `panasonic-tes` on hybrid evidence: a `*`
///   mark, a `"` after the duration, the hybrid heading (`Ext.` … `Code`), or the KX-T336100
///   `Sour`/`Dest` heading or its DN column.
/// - Extension: as printed; the KX-TD500/T336100 class letter `E` (extension) is dropped (`E127` →
///   `127`; the T336100's DN column confirms it), other letters stay (`F2014`, a floating number).
///   No extension printed (ring-only `NA` lines) → null.
/// - CO: the trunk number as printed; the KX-TD500/T336100 class letter `T` is dropped (`T10204` →
///   `10204`). On the T336100, `Sour`=`T…` and `Dest`=`E…` is an incoming call.
/// - Dial field: `<I>` incoming (CLI or caller name; empty = withheld), `<D>` the DDI,
///   `<INCOMING>`/`<    incoming    >`/`<ВХОДЯЩИЙ>` incoming (CLI after it when printed; empty is
///   not "withheld": these models print no CLI), `< DISA  incoming >` also DISA, `EXTnnn` an
///   intercom call, `-` a transferred call (digits after it were dialled after the transfer),
///   `P`/`F`/`=` pause, EFA and host access, `.`/`X` secret dialling, privacy or anonymised
///   digits (masked: number null). Empty with a duration: a call whose number was not printed.
///   `LOG IN`, `Timed Reminder/…` (`НАПОМИНАНИЕ/…`) and other texts without a duration are events.
/// - Ring `m'ss` before the duration (or alone on `NA` lines). Duration `hh:mm'ss`; `11:59'59`
///   (KX-TD/TDA) and `99:59'59` (hybrids) are the counter's maximum, not a length: duration null,
///   flag `overflow`.
/// - CD: `TR`/`ПP` transfer, `FW`/`ПA` forward, `D0`-`D4` DISA, `NA` not answered (a record even
///   without a duration), `RM`, `RC`. KX-TD500 prints progress lines with no duration: `RC` at the
///   ringing extension (a ring notice) and `AN` when it is answered (an event): the call's own record
///   follows with its duration. `ПA` is read as forward: in the RU capture it is an outgoing call on
///   the extension, minute and duration of an incoming one, the pattern of a forward to a CO line.
/// - Cost: `EU00000.00`, `00560.00EUR`; a bare `00000` only under a heading with a `Cost` column
///   (KX-TD500 types C and D), otherwise it is the account code. Account code `....` = none.
/// - Skipped (named): headings (`.columnHeader`, also the RU one), rules, XON/XOFF/NUL lines
///   (`.control`), modem init strings (`AT…`, `.banner`), KX-TD500 `RC`/`AN` (`.ringNotice`/`.event`),
///   events without a duration (`.event`). Anything else is a reject.
public enum PanasonicFormat: SMDRFormat {
    public static let id = "panasonic"
    public static let title = "Panasonic KX-TD/TDA/TDE/NS/TD500 SMDR (patterns A, B, C; time = end of call)"

    public static func claim(_ lines: [String]) -> Int {
        let variant = PanasonicLayout.claim(lines)
        return variant.tes ? 0 : variant.score
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser {
        PanasonicLayout.Parser(options, format: id, startTime: false)
    }

    public static let vectors: [FormatVector] = [
        // Darfo capture: DISA at the operator extension, end time 16:07, 28 s.
        FormatVector(
            ["10/12/20 16:07    501 02 <I>3484201367        00:00'28 EU00000.00            D0"],
            [
                "end": "\"2020-12-10T16:07:00+01:00\"", "start": "\"2020-12-10T16:06:32+01:00\"", "duration_s": "28",
                "direction": "\"incoming\"", "answered": "true", "extension": "\"501\"", "trunk": "\"02\"",
                "number": "\"3484201367\"", "pbx_cost": "\"0.00\"", "currency": "\"EU\"", "flags": "[\"disa\"]",
                "condition_code": "\"D0\"",
            ]),
        FormatVector(
            ["10/12/20 16:08    222 02 <I>3484201367        00:00'37 EU00000.00            TR"],
            ["flags": "[\"transfer\"]", "extension": "\"222\""]),
        FormatVector(
            ["10/12/20 16:32    234 25 <I>401               00:00'00 EU00000.00            NA"],
            ["answered": "false", "duration_s": "0", "number": "\"401\""]),
        FormatVector(
            ["10/12/20 16:30    231    EXT236"],
            [
                "direction": "\"internal\"", "extension": "\"231\"", "number": "\"236\"", "trunk": "null", "duration_s": "null",
                "end": "\"2020-12-10T16:30:00+01:00\"", "start": "null", "answered": "null",
            ]),
        FormatVector(
            ["10/12/20 16:55    236 01 02500413053511       00:08'03 EU00000.00"],
            ["direction": "\"outgoing\"", "number": "\"02500413053511\"", "dialed": "\"02500413053511\"", "duration_s": "483"]),
        // Pattern A with ring time and account code, 12-hour clock (US, so month first); yy = 20yy.
        FormatVector(
            ["06/24/97 10:08AM   15 01 <I>                 0'12 00:10'01 431211     TR"],
            [
                "end": "\"2097-06-24T10:08:00+02:00\"", "ring_s": "12", "duration_s": "601", "account_code": "\"431211\"",
                "flags": "[\"transfer\",\"withheld\"]", "number": "null",
            ]),
        FormatVector(
            ["06/24/97 01:04PM  103 06 092...1438              00:00'06"],
            ["number": "null", "flags": "[\"masked\"]", "dialed": "\"092...1438\"", "end": "\"2097-06-24T13:04:00+02:00\""]),
        FormatVector(
            ["24.03.94 10:08   205 05 <I>MARY WARD           00:10'01 00000.00"],
            ["caller_name": "\"MARY WARD\"", "number": "null", "end": "\"2094-03-24T10:08:00+01:00\"", "pbx_cost": "\"0.00\""]),
        FormatVector(
            ["10/12/20 17:00    234 01 0364531372-231       11:59'59 EU00000.00            TR"],
            ["duration_s": "null", "start": "null", "flags": "[\"transfer\",\"overflow\"]", "number": "\"0364531372\"", "digits_after_transfer": "\"231\""]),
        // KX-TD1232 (816.smdr): a ring-only NA line with no extension is a record: not answered.
        FormatVector(
            ["11/20/02 03:36PM       04 <I>                       0'40                     NA "],
            [
                "extension": "null", "trunk": "\"04\"", "ring_s": "40", "answered": "false", "duration_s": "null",
                "direction": "\"incoming\"", "end": "\"2002-11-20T15:36:00+01:00\"", "condition_code": "\"NA\"",
            ]),
        // KX-TD500 type A: letter-prefixed extension and CO, ring column.
        FormatVector(
            ["15/12/02 15:04   1 E136   T10101 <INCOMING>          0'00 00:02'52            TR"],
            [
                "extension": "\"136\"", "trunk": "\"10101\"", "direction": "\"incoming\"", "ring_s": "0", "duration_s": "172",
                "flags": "[\"transfer\"]", "end": "\"2002-12-15T15:04:00+01:00\"", "number": "null",
            ]),
        // KX-TD500 type C: under a heading with a Cost column, the bare number after the duration is the cost.
        FormatVector(
            [
                "Date     Time    T Ext    CO     Dial Number    Duration Cost      Acct code  CC",
                "15/12/02 15:22   1 E108   T10102 <INCOMING>     00:01'28 00000                TR",
            ],
            ["pbx_cost": "\"0\"", "account_code": "null", "condition_code": "\"TR\"", "duration_s": "88", "extension": "\"108\""]),
        // KX-TD816: a call on a CO with no dial field printed: a record with no number and no direction.
        FormatVector(
            ["10/09/02 04:53PM   113 07                                00:24'50            TR"],
            ["direction": "null", "number": "null", "dialed": "null", "trunk": "\"07\"", "duration_s": "1490", "flags": "[\"transfer\"]"]),
        // KX-TD500: ring and answer notices are not calls; NA with no duration is.
        FormatVector(
            [
                "16/09/02 13:42   4 F2014  T10902 <INCOMING>                                   RC",
                "16/09/02 13:42   4 E1114  T10902 <INCOMING>                                   AN",
                "16/09/02 13:45   3 E1027  T10904 <INCOMING>                                   NA",
            ],
            ["extension": "\"1027\"", "answered": "false", "condition_code": "\"NA\"", "line": "3"]),
        // KX-TD1232 Russian firmware (the capture is CP866; the same text in UTF-8 reads the same).
        FormatVector(
            ["12/15/06 06:05ПП   209 38 <BXOДЯЩИЙ>                     00:04'53            ПP "],
            [
                "end": "\"2006-12-15T18:05:00+01:00\"", "direction": "\"incoming\"", "flags": "[\"transfer\"]",
                "condition_code": "\"ПP\"", "extension": "\"209\"", "trunk": "\"38\"", "number": "null",
            ]),
        // Modem init string after XON/XOFF, and flow control alone: named skips, no record.
        FormatVector(
            ["\u{13}\u{11}ATQ0E0V1S0=1X0&D0", "\u{13}\u{11}", "10/09/02 04:33PM   116 05 9426125                        00:02'01"],
            ["line": "3", "number": "\"9426125\""]),
    ]
}

/// Panasonic KX-TA308/616/624, KX-TEM824, KX-TES824, KX-TEB308, KX-T1232 and KX-T336100 (hybrids):
/// same printout family, but the time is the **start** of the call and `*` before it marks a
/// transferred call (see ``PanasonicFormat`` for the layouts and the evidence).
public enum PanasonicTESFormat: SMDRFormat {
    public static let id = "panasonic-tes"
    public static let title = "Panasonic KX-TA/TEM/TES/TEB, KX-T1232, KX-T336100 hybrids SMDR (time = start of call, * = transferred)"

    public static func claim(_ lines: [String]) -> Int {
        let variant = PanasonicLayout.claim(lines)
        return variant.tes ? variant.score : 0
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser {
        PanasonicLayout.Parser(options, format: id, startTime: true)
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            ["12/31/98 *12:54PM 101 02 <I>0123456         00:07'48"],
            ["start": "\"2098-12-31T12:54:00+01:00\"", "end": "\"2098-12-31T13:01:48+01:00\"", "flags": "[\"transfer\"]", "extension": "\"101\""]),
        // KX-TA308 RU: blank-padded month, ` 3:16PM`, DISA incoming, `....` = no account code.
        FormatVector(
            [" 2/26/04 * 3:16PM 106  01   < DISA  incoming >                  00:01'18\" .... 0"],
            [
                "start": "\"2004-02-26T15:16:00+01:00\"", "duration_s": "78", "direction": "\"incoming\"", "extension": "\"106\"",
                "trunk": "\"01\"", "flags": "[\"transfer\",\"disa\"]", "account_code": "null", "number": "null",
            ]),
        FormatVector(
            [" 2/26/04   3:15PM 107  01   < DISA  incoming >                  99:59'59\" .... 0"],
            ["duration_s": "null", "flags": "[\"disa\",\"overflow\"]", "end": "null"]),
        // KX-T336100: Sour/Dest swapped on an incoming call, CD column before them.
        FormatVector(
            ["09/02/02 09:31AM 1 TR T1026 E126  126       <INCOMING>       00:00'11           "],
            [
                "extension": "\"126\"", "trunk": "\"1026\"", "direction": "\"incoming\"", "flags": "[\"transfer\"]",
                "start": "\"2002-09-02T09:31:00+02:00\"", "duration_s": "11", "condition_code": "\"TR\"",
            ]),
        FormatVector(
            ["09/01/02 06:18PM 1    E124  T1011 124       522650           00:02'25           "],
            ["extension": "\"124\"", "trunk": "\"1011\"", "direction": "\"outgoing\"", "number": "\"522650\"", "end": "\"2002-09-01T18:20:25+02:00\""]),
    ]
}

/// The reading shared by the Panasonic KX variants.
enum PanasonicLayout {
    /// What the lines say about the variant (for detection).
    struct Shape: OptionSet {
        let rawValue: UInt8
        /// A `*` transfer mark before the time (hybrids).
        static let star = Shape(rawValue: 1)
        /// `hh:mm'ss"` (hybrids).
        static let quotedDuration = Shape(rawValue: 2)
        /// The KX-T336100 DN column or its `Sour`/`Dest` heading.
        static let t336 = Shape(rawValue: 4)
        /// The hybrids' heading (`Ext.` … `Code`, no CD).
        static let hybridHeading = Shape(rawValue: 8)
        /// A Panasonic heading (`Date Time Ext CO Dial Number …` or the RU one).
        static let heading = Shape(rawValue: 16)
    }

    static func claim(_ lines: [String]) -> (score: Int, tes: Bool) {
        var parser = Parser(ParseOptions(timeZone: TimeZone(identifier: "UTC")!), format: "panasonic", startTime: false)
        var hits = 0
        var events: [ParseEvent] = []
        for (k, line) in lines.enumerated() {
            events.removeAll(keepingCapacity: true)
            parser.parse(FramedLine(bytes: ArraySlice(latin1Bytes(line)), number: k + 1), into: &events)
            for e in events {
                if case .record(let r) = e, r.durationSeconds != nil || r.answered == false || r.flags.contains(.overflow) { hits += 1 }
            }
        }
        let shape = parser.shape
        let header = shape.contains(.heading)
        guard hits > 0 || header else { return (0, false) }
        let tes = !shape.isDisjoint(with: [.star, .quotedDuration, .t336, .hybridHeading])
        return (min(100, 50 + (header ? 30 : 0) + 50 * hits / max(1, lines.count)), tes)
    }

    /// A decoded line back to its bytes (detection sees lines decoded as UTF-8 or Latin-1).
    static func latin1Bytes(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            if u.value < 0x100 { out.append(UInt8(u.value)) } else { return Array(s.utf8) }
        }
        return out
    }

    static let overflowSeconds = 11 * 3600 + 59 * 60 + 59
    static let hybridOverflowSeconds = 99 * 3600 + 59 * 60 + 59

    struct Parser: RecordParser {
        let format: String
        let startTime: Bool
        let clock: ZoneClock
        let explicitOrder: ParseOptions.DateOrder?
        var order: ParseOptions.DateOrder?
        /// The latest heading has a `Cost` column: a bare number right after the duration is the cost.
        var costColumn = false
        /// What was seen so far (for detection).
        var shape: Shape = []

        init(_ options: ParseOptions, format: String, startTime: Bool) {
            self.format = format
            self.startTime = startTime
            self.clock = ZoneClock(timeZone: options.timeZone)
            self.explicitOrder = options.dateOrder
            self.order = options.dateOrder
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            line.withRawText { t in parse(line, t, into: &out) }
        }

        @inline(__always) static func isFlowControl(_ b: UInt8) -> Bool {
            b == 0x00 || b == 0x11 || b == 0x13 || b == 0x0C || b == 0x1A || b == 0x07 || b == 0x0D
        }

        /// A token (blank-delimited) starting at or after `from`.
        @inline(__always) static func token(_ t: RawText, from: Int) -> Range<Int> {
            var s = from
            while s < t.count && t[s].isBlank { s += 1 }
            var e = s
            while e < t.count && !t[e].isBlank { e += 1 }
            return s..<e
        }

        @inline(__always) static func allDigits(_ t: RawText, _ r: Range<Int>) -> Bool {
            !r.isEmpty && !t.contains(r, where: { !$0.isDigit })
        }

        /// `E127`, `T10204`, `F2014`: one capital letter and digits.
        @inline(__always) static func isLettered(_ t: RawText, _ r: Range<Int>) -> Bool {
            r.count >= 2 && t[r.lowerBound].isUpperLetter && allDigits(t, (r.lowerBound + 1)..<r.upperBound)
        }

        mutating func parse(_ line: FramedLine, _ t: RawText, into out: inout [ParseEvent]) {
            // Blanks and flow-control bytes (XON/XOFF, NUL, form feed) the port put before the text.
            var p = 0
            var control = false
            while p < t.count {
                let b = t[p]
                if b.isBlank {
                    p += 1
                } else if Self.isFlowControl(b) {
                    control = true
                    p += 1
                } else {
                    break
                }
            }
            if p >= t.count { return out.append(line.skip(control ? .control : .blank)) }
            guard t[p].isDigit else { return nonRecord(line, t, from: p, into: &out) }

            // Date: `dd/mm/yy`, `mm/dd/yy`, `dd.mm.yy`, each part blank-padded or unpadded.
            var i = p
            var a = 0
            while i < p + 2 && t[i].isDigit {
                a = a * 10 + t[i].digitValue
                i += 1
            }
            let sep = t[i]
            guard sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".") else { return rejectDate(line, into: &out) }
            i += 1
            if t[i] == UInt8(ascii: " ") && t[i + 1].isDigit && t[i + 2] == sep { i += 1 }
            var b = 0
            let bStart = i
            while i < bStart + 2 && t[i].isDigit {
                b = b * 10 + t[i].digitValue
                i += 1
            }
            guard i > bStart, t[i] == sep, let yy = t.number(i + 1, 2), t[i + 3].isBlank, i + 3 < t.count else {
                return rejectDate(line, into: &out)
            }
            i += 3

            // Time: optional `*` (hybrids: transferred), h:mm or hh:mm, optional AM/PM or ДП/ПП.
            while i < t.count && t[i].isBlank { i += 1 }
            var transferredMark = false
            if t[i] == UInt8(ascii: "*") {
                transferredMark = true
                shape.insert(.star)
                i += 1
                while i < t.count && t[i].isBlank { i += 1 }
            }
            var hour = 0
            var digits = 0
            while t[i].isDigit && digits < 2 {
                hour = hour * 10 + t[i].digitValue
                i += 1
                digits += 1
            }
            guard digits > 0, t[i] == UInt8(ascii: ":"), let minute = t.number(i + 1, 2) else {
                return out.append(line.reject("expected the time (hh:mm) after the date", format: format))
            }
            i += 3
            // 0 = 24-hour, 1 = AM, 2 = PM.
            var meridiem = 0
            let c0 = t[i], c1 = t[i + 1]
            if (c0 == UInt8(ascii: "A") || c0 == UInt8(ascii: "P")) && c1 == UInt8(ascii: "M") {
                meridiem = c0 == UInt8(ascii: "A") ? 1 : 2
                i += 2
            } else if c1 == 0x8F && (c0 == 0x84 || c0 == 0x8F) {
                // CP866 `ДП` (до полудня, AM) / `ПП` (после полудня, PM).
                meridiem = c0 == 0x84 ? 1 : 2
                i += 2
            } else if c0 == 0xD0 && t[i + 2] == 0xD0 && t[i + 3] == 0x9F && (c1 == 0x94 || c1 == 0x9F) {
                // The same in UTF-8.
                meridiem = c1 == 0x94 ? 1 : 2
                i += 4
            }
            guard t[i].isBlank && i < t.count else {
                return out.append(line.reject("expected a blank after the time (hh:mm, hh:mmAM): not a Panasonic record", format: format))
            }
            if meridiem != 0 {
                guard (1...12).contains(hour) else { return out.append(line.reject("12-hour time with hour \(hour)", format: format)) }
                if meridiem == 2 && hour != 12 { hour += 12 }
                if meridiem == 1 && hour == 12 { hour = 0 }
            }
            let timeEnd = i

            // Date order.
            if order == nil { order = meridiem != 0 ? .mdy : .dmy }
            if sep == UInt8(ascii: ".") { order = explicitOrder ?? .dmy }
            let year = 2000 + yy
            var civil =
                order == .mdy
                ? CivilDateTime(year: year, month: a, day: b, hour: hour, minute: minute)
                : CivilDateTime(year: year, month: b, day: a, hour: hour, minute: minute)
            if civil == nil && explicitOrder == nil {
                // The other order reads it: the site prints that one.
                let other: ParseOptions.DateOrder = order == .mdy ? .dmy : .mdy
                civil =
                    other == .mdy
                    ? CivilDateTime(year: year, month: a, day: b, hour: hour, minute: minute)
                    : CivilDateTime(year: year, month: b, day: a, hour: hour, minute: minute)
                if civil != nil { order = other }
            }
            guard let civil else {
                return out.append(
                    line.reject(
                        "invalid date or time '\(t.string(p, timeEnd) ?? "")' (date order \(order!.rawValue); set --date-order if the PBX prints the other)",
                        format: format))
            }

            // Text fields are columns of the line, kept as ranges of it (no String each) where they can be.
            var r = CallRecord(format: format, rawText: t, line: line.number, offset: line.offset)
            var dialStart: Int
            var incomingBySides = false
            var cdColumn: Range<Int> = 0..<0
            let t1 = Self.token(t, from: timeEnd)
            guard !t1.isEmpty else { return out.append(line.reject("nothing after the time", format: format)) }
            let t2 = Self.token(t, from: t1.upperBound)
            if t1.count == 1 && t[t1.lowerBound].isDigit
                && (Self.isLettered(t, t2)
                    || (t2.count == 2 && t[t2.lowerBound].isUpperLetter && t[t2.lowerBound + 1].isUpperLetter
                        && Self.isLettered(t, Self.token(t, from: t2.upperBound))))
            {
                // KX-TD500 / KX-T336100: `T` column, [CD], extension and CO with class letters, [DN].
                var k = t2
                if k.count == 2 && t[k.lowerBound + 1].isUpperLetter {
                    cdColumn = k
                    k = Self.token(t, from: k.upperBound)
                }
                var side1 = k, side2 = Self.token(t, from: k.upperBound)
                if !Self.isLettered(t, side2) { side2 = k.upperBound..<k.upperBound }
                if t[side1.lowerBound] == UInt8(ascii: "T") && !side2.isEmpty && t[side2.lowerBound] != UInt8(ascii: "T") {
                    // KX-T336100 `Sour`=trunk, `Dest`=extension: an incoming call.
                    swap(&side1, &side2)
                    incomingBySides = true
                }
                let ext = t[side1.lowerBound] == UInt8(ascii: "E") ? (side1.lowerBound + 1)..<side1.upperBound : side1
                r.setText(.extension_, t, ext)
                if !side2.isEmpty {
                    r.setText(.trunk, t, t[side2.lowerBound] == UInt8(ascii: "T") ? (side2.lowerBound + 1)..<side2.upperBound : side2)
                }
                dialStart = max(side1.upperBound, side2.upperBound)
                // DN (KX-T336100): the extension's number again, before the dial field.
                let dn = Self.token(t, from: dialStart)
                if Self.allDigits(t, dn) && Self.same(t, dn, ext) && !Self.token(t, from: dn.upperBound).isEmpty {
                    shape.insert(.t336)
                    dialStart = dn.upperBound
                }
            } else if t1.lowerBound - timeEnd >= 7 && t1.count <= 4 && Self.allDigits(t, t1) {
                // No extension (ring-only NA lines): the token is the CO.
                r.setText(.trunk, t, t1)
                dialStart = t1.upperBound
            } else {
                guard t1.count <= 8, !t.contains(t1, where: { !($0.isDigit || $0.isLetter || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "-")) }) else {
                    return out.append(line.reject("expected the extension after the time, found '\(t.string(t1) ?? "")'", format: format))
                }
                r.setText(.extension_, t, t1)
                dialStart = t1.upperBound
                if t2.count <= 4 && Self.allDigits(t, t2) {
                    r.setText(.trunk, t, t2)
                    dialStart = t2.upperBound
                }
            }

            // Duration `hh:mm'ss` (`"` after it on the hybrids), and what follows it.
            let durationAt = t.find("99:99'99", from: dialStart)
            var dialEnd = durationAt ?? t.count
            var condition: Range<Int> = 0..<0
            if let d = durationAt {
                guard let seconds = t.clockSeconds(d..<(d + 8)) else {
                    return out.append(line.reject("invalid duration '\(t.string(d..<(d + 8)) ?? "")' (hh:mm'ss, minutes and seconds below 60)", format: format))
                }
                if seconds == PanasonicLayout.overflowSeconds || seconds == PanasonicLayout.hybridOverflowSeconds {
                    r.flags.insert(.overflow)
                } else {
                    r.durationSeconds = seconds
                }
                var after = d + 8
                if t[after] == UInt8(ascii: "\"") {
                    shape.insert(.quotedDuration)
                    after += 1
                    // Hybrids: the Code column (`....` = none); RU firmware prints ` 0` after it on DISA lines.
                    let code = Self.token(t, from: after)
                    if !code.isEmpty && t.contains(code, where: { $0 != UInt8(ascii: ".") }) { r.setText(.accountCode, t, code) }
                } else {
                    condition = parseTail(t, after: after, into: &r)
                }
            } else {
                // No duration: a CD at the end of the line (NA, RC, AN).
                let last = Self.lastToken(t, after: dialStart)
                if last.lowerBound > dialStart && Self.condition(t, last) != .none {
                    condition = last
                    dialEnd = last.lowerBound
                }
            }
            // Ring `m'ss` just before the duration (or the CD on NA lines).
            var k = dialEnd - 1
            while k > dialStart && t[k].isBlank { k -= 1 }
            if k > dialStart && t[k].isDigit {
                var s = k
                while s > dialStart && !t[s - 1].isBlank { s -= 1 }
                if s > dialStart, t.contains(s..<(k + 1), where: { $0 == UInt8(ascii: "'") }), let ring = t.clockSeconds(s..<(k + 1)) {
                    r.ringSeconds = ring
                    dialEnd = s
                }
            }
            if condition.isEmpty && !cdColumn.isEmpty { condition = cdColumn }

            var notAnswered = false
            if !condition.isEmpty {
                switch Self.condition(t, condition) {
                case .transfer: r.flags.insert(.transfer)
                case .forward: r.flags.insert(.forward)
                case .notAnswered: notAnswered = true
                case .disa: r.flags.insert(.disa)
                case .ringing where durationAt == nil:
                    return out.append(line.skip(.ringNotice, "RC: the call rings here; its record follows"))
                case .answeredHere where durationAt == nil:
                    return out.append(line.skip(.event, "AN: the call was answered here; its record follows"))
                default: break
                }
                if t[condition.lowerBound] == 0x8F {  // Russian: `П` in CP866 and a Latin letter
                    r.setExtra("condition_code", "П" + String(UnicodeScalar(t[condition.upperBound - 1])))
                } else {
                    r.setExtra("condition_code", t, condition)
                }
            }

            let dial = t.trimmed(dialStart, dialEnd)
            let isCall = readDial(t, dial, into: &r)
            if durationAt == nil && !notAnswered {
                if !isCall { return out.append(line.skip(.event, t.string(dial))) }
                if r.direction != .internal {
                    return out.append(line.reject("no duration (hh:mm'ss) on a call line", format: format))
                }
            }
            if incomingBySides { r.direction = .incoming }
            if transferredMark { r.flags.insert(.transfer) }
            if durationAt != nil || notAnswered {
                r.answered = !notAnswered && (r.durationSeconds ?? 1) > 0
            }
            let printed = clock.zoned(civil)
            if startTime {
                r.setTimes(start: printed, end: nil, elapsed: r.durationSeconds, zone: clock)
            } else {
                r.setTimes(start: nil, end: printed, elapsed: r.durationSeconds, zone: clock)
            }
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }

        @inline(__always) static func same(_ t: RawText, _ x: Range<Int>, _ y: Range<Int>) -> Bool {
            guard x.count == y.count else { return false }
            for k in 0..<x.count where t[x.lowerBound + k] != t[y.lowerBound + k] { return false }
            return true
        }

        @inline(__always) static func lastToken(_ t: RawText, after: Int) -> Range<Int> {
            var e = t.count
            while e > after && t[e - 1].isBlank { e -= 1 }
            var s = e
            while s > after && !t[s - 1].isBlank { s -= 1 }
            return s..<e
        }

        /// The condition codes (CD / CC), ASCII or Russian (`ПP`, `ПA` with a Latin second letter,
        /// the `П` in CP866 or UTF-8).
        enum Condition: UInt8 { case none, transfer, forward, notAnswered, disa, ringing, answeredHere, other }

        @inline(__always) static func condition(_ t: RawText, _ r: Range<Int>) -> Condition {
            var x = t[r.lowerBound]
            var y = t[r.lowerBound + 1]
            if r.count == 3 {
                // UTF-8 `П` (D0 9F) and a Latin letter.
                guard x == 0xD0 && y == 0x9F else { return .none }
                x = 0x8F
                y = t[r.lowerBound + 2]
            } else if r.count != 2 {
                return .none
            }
            switch (x, y) {
            case (UInt8(ascii: "T"), UInt8(ascii: "R")), (0x8F, UInt8(ascii: "P")): return .transfer
            case (UInt8(ascii: "F"), UInt8(ascii: "W")), (0x8F, UInt8(ascii: "A")): return .forward
            case (UInt8(ascii: "N"), UInt8(ascii: "A")): return .notAnswered
            case (UInt8(ascii: "R"), UInt8(ascii: "C")): return .ringing
            case (UInt8(ascii: "A"), UInt8(ascii: "N")): return .answeredHere
            case (UInt8(ascii: "R"), UInt8(ascii: "M")): return .other
            case (UInt8(ascii: "D"), _): return y >= UInt8(ascii: "0") && y <= UInt8(ascii: "4") ? .disa : .none
            default: return .none
            }
        }

        func rejectDate(_ line: FramedLine, into out: inout [ParseEvent]) {
            out.append(line.reject("a Panasonic record starts with its date (dd/mm/yy, mm/dd/yy or dd.mm.yy)", format: format))
        }

        /// A line that does not start with a date: heading, rule, modem string, or a reject.
        mutating func nonRecord(_ line: FramedLine, _ t: RawText, from p: Int, into out: inout [ParseEvent]) {
            let all = p..<t.count
            if !t.contains(all, where: { !($0.isBlank || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "*") || Self.isFlowControl($0)) }) {
                return out.append(line.skip(.rule))
            }
            let english = t.find("Date", from: p) != nil && t.find("Time", from: p) != nil
            // The RU heading `ДATA BPEMЯ AБ-T CO …` (Latin look-alikes in CP866).
            let russian = t.find("ATA", from: p) != nil && t.find("BPEM", from: p) != nil
            if english || russian {
                shape.insert(.heading)
                if t.find("Sour", from: p) != nil && t.find("Dest", from: p) != nil { shape.insert(.t336) }
                if t.find("Ext.", from: p) != nil && t.find("Code", from: p) != nil && t.find(" CD", from: p) == nil { shape.insert(.hybridHeading) }
                costColumn = t.find("Cost", from: p) != nil
                return out.append(line.skip(.columnHeader))
            }
            if t.matches("AT", at: p) && !t.contains(all, where: { $0.isBlank || $0 < 0x21 || $0 > 0x7E }) {
                return out.append(line.skip(.banner, "modem command"))
            }
            if !t.contains(all, where: \.isDigit) { return out.append(line.noDigits(format: format)) }
            rejectDate(line, into: &out)
        }

        /// Cost and account code after the duration; returns the CD's columns.
        func parseTail(_ t: RawText, after: Int, into r: inout CallRecord) -> Range<Int> {
            var p = after
            var s = p
            while s < t.count && t[s].isBlank { s += 1 }
            var e = s
            while e < t.count && !t[e].isBlank { e += 1 }
            if s <= after + 2 && s < e && t.contains(s..<e, where: \.isDigit)
                && (t.contains(s..<e, where: { $0 == UInt8(ascii: ".") }) || (costColumn && Self.allDigits(t, s..<e)))
            {
                // `EU00000.00`, `00560.00EU`, `00560.00EUR`: currency letters before or after the amount; `00000`.
                var lo = s, hi = e
                while lo < hi && t[lo].isLetter { lo += 1 }
                while hi > lo && t[hi - 1].isLetter { hi -= 1 }
                r.pbxCost = t.string(lo..<hi).flatMap(Decimals.normalise)
                r.setText(.currency, t, s < lo ? s..<lo : hi..<e)
                p = e
            }
            // Account code at [p+1, p+11), CD at [p+12, p+14) in the printed layout. When blanks were
            // squeezed out, a known condition code at the end is still the CD.
            let rest = t.trimmed(p, t.count)
            guard !rest.isEmpty else { return 0..<0 }
            var lastStart = rest.upperBound
            while lastStart > rest.lowerBound && !t[lastStart - 1].isBlank { lastStart -= 1 }
            let last = lastStart..<rest.upperBound
            var condition: Range<Int> = 0..<0
            var accountEnd = rest.upperBound
            if Self.condition(t, last) != .none || (last.count == 2 && last.lowerBound >= p + 12) {
                condition = last
                accountEnd = last.lowerBound
            }
            let account = t.trimmed(rest.lowerBound, accountEnd)
            if t.contains(account, where: { $0 != UInt8(ascii: ".") }) { r.setText(.accountCode, t, account) }
            return condition
        }

        /// Fills direction, number and dialled digits; `false` for event lines that are not calls.
        func readDial(_ t: RawText, _ dial: Range<Int>, into r: inout CallRecord) -> Bool {
            // The common cases first, without building substrings.
            if dial.isEmpty { return false }
            let first = t[dial.lowerBound]
            if first.isDigit && !t.contains(dial, where: { !$0.isDigit }) {
                r.direction = .outgoing
                r.setText(.dialed, t, dial)
                r.setText(.number, t, dial)
                return true
            }
            if first == UInt8(ascii: "<") {
                if t.matches("<I>", at: dial.lowerBound)
                    && !t.contains((dial.lowerBound + 3)..<dial.upperBound, where: { !$0.isDigit && $0 != UInt8(ascii: "+") })
                {
                    r.direction = .incoming
                    if dial.count == 3 { r.flags.insert(.withheld) } else { r.setText(.number, t, (dial.lowerBound + 3)..<dial.upperBound) }
                    return true
                }
                if !t.matches("<I>", at: dial.lowerBound) && !t.matches("<D>", at: dial.lowerBound) {
                    // `<INCOMING>`, `<    incoming    >`, `< DISA  incoming >`, `<ВХОДЯЩИЙ>` (CP866).
                    var close = dial.lowerBound + 1
                    while close < dial.upperBound && t[close] != UInt8(ascii: ">") { close += 1 }
                    let inner = (dial.lowerBound + 1)..<close
                    guard close < dial.upperBound, Self.isIncomingMarker(t, inner) else {
                        r.setText(.dialed, t, dial)
                        return true
                    }
                    r.direction = .incoming
                    if Self.containsWord(t, inner, "DISA") { r.flags.insert(.disa) }
                    readCaller(t, t.trimmed((close + 1)..<dial.upperBound), into: &r, emptyIsWithheld: false)
                    return true
                }
            }
            let s = t.string(dial) ?? ""
            if s.hasPrefix("<D>") || s.hasPrefix("<I>") {
                r.direction = .incoming
                var rest = Substring(s)
                if rest.hasPrefix("<D>") {
                    rest = rest.dropFirst(3)
                    let ddi = rest.range(of: "<I>").map { rest[..<$0.lowerBound] } ?? rest
                    r.dialed = String(ddi).nonBlank
                    rest = rest[ddi.endIndex...]
                }
                if rest.hasPrefix("<I>") { rest = rest.dropFirst(3) }
                let caller = String(rest).trimmingBlanks
                if caller.isEmpty {
                    r.flags.insert(.withheld)
                } else if !caller.contains(where: { !($0 == "X" || $0.isNumber) }) && caller.contains("X") {
                    r.flags.insert(.masked)
                } else {
                    // A name may come first: `ABC COMPANY12345678`.
                    let digitsStart = caller.lastIndex { !($0.isNumber || $0 == "+") }.map { caller.index(after: $0) } ?? caller.startIndex
                    let digits = caller[digitsStart...]
                    let name = caller[..<digitsStart].trimmingCharacters(in: " ")
                    r.number = digits.isEmpty ? nil : String(digits)
                    if !name.isEmpty { r.setExtra("caller_name", String(name)) }
                }
                return true
            }
            if s.hasPrefix("EXT") {
                r.direction = .internal
                r.dialed = String(s.dropFirst(3))
                r.number = r.dialed?.phoneDigits
                return true
            }
            guard let firstChar = s.first, firstChar.isNumber || "*#PF=.X".contains(firstChar) else {
                // LOG IN, LOG OUT, Check in, Timed Reminder, НАПОМИНАНИЕ…: not calls.
                return false
            }
            r.direction = .outgoing
            r.dialed = s
            var digits = Substring(s)
            if let dash = s.firstIndex(of: "-") {
                r.flags.insert(.transfer)
                digits = s[..<dash]
                r.setExtra("digits_after_transfer", String(s[s.index(after: dash)...]).phoneDigits)
            }
            if digits.contains(Character(".")) || digits.contains(Character("X")) {
                r.flags.insert(.masked)
            } else {
                r.number = String(digits).phoneDigits
            }
            return true
        }

        /// The caller after an incoming marker: digits (the CLI), `X`s (masked) or a name.
        func readCaller(_ t: RawText, _ c: Range<Int>, into r: inout CallRecord, emptyIsWithheld: Bool) {
            if c.isEmpty {
                if emptyIsWithheld { r.flags.insert(.withheld) }
                return
            }
            if !t.contains(c, where: { !$0.isDigit && $0 != UInt8(ascii: "+") }) {
                r.setText(.number, t, c)
            } else if !t.contains(c, where: { !$0.isDigit && $0 != UInt8(ascii: "X") }) {
                r.flags.insert(.masked)
            } else {
                r.setExtra("caller_name", t, c)
            }
        }

        /// `INCOMING` in any case, or `ВХОДЯЩИЙ` (its last five letters in CP866 or UTF-8).
        static func isIncomingMarker(_ t: RawText, _ r: Range<Int>) -> Bool {
            if containsWord(t, r, "INCOMING") { return true }
            var i = r.lowerBound
            while i + 5 <= r.upperBound {
                if t[i] == 0x84 && t[i + 1] == 0x9F && t[i + 2] == 0x99 && t[i + 3] == 0x88 && t[i + 4] == 0x89 { return true }
                // UTF-8 `ДЯЩИЙ`: D0 94 D0 AF D0 A9 D0 98 D0 99.
                if t[i] == 0xD0 && t[i + 1] == 0x94 && t[i + 2] == 0xD0 && t[i + 3] == 0xAF { return true }
                i += 1
            }
            return false
        }

        /// Whether the upper-case ASCII `word` occurs in `r`, in any case.
        static func containsWord(_ t: RawText, _ r: Range<Int>, _ word: StaticString) -> Bool {
            word.withUTF8Buffer { w in
                guard r.count >= w.count else { return false }
                var i = r.lowerBound
                while i + w.count <= r.upperBound {
                    var k = 0
                    while k < w.count && (t[i + k] & 0xDF) == w[k] { k += 1 }
                    if k == w.count { return true }
                    i += 1
                }
                return false
            }
        }
    }
}
