/// Panasonic KX-TD / KX-TDA / KX-TDE / KX-NS SMDR printout (patterns A, B, C), and the KX-TES/TEB
/// variant (`panasonic-tes`).
///
/// Source: KX-NS1000 and KX-TDA Feature Guides, KX-TD308 and KX-TES824 manuals, the Darfo capture;
/// `shared/reference/formats/panasonic.md`.
///
/// | pattern | columns (width) |
/// |---|---|
/// | A | Date(8) Time(7) Ext(5) CO(2) Dial Number(25) Ring(4) Duration(8) Acc code(10) CD(2) |
/// | B | Date(8) Time(7) Ext(5) CO(2) Dial Number(20) Duration(8) Cost(10) Acc code(10) CD(2) |
/// | C | Date Time Ext(5) CO(4) Dial Number(50) Ring(4) Duration(8) Cost(11) Acc code(10) CD |
///
/// The line is read by landmarks rather than fixed columns, so all three patterns, 12- and 24-hour
/// times, stripped trailing blanks and the TES layout go through one parser:
/// date `dd/mm/yy` (or `mm/dd/yy`, `dd.mm.yy`), time, extension, CO, then the dial number up to the
/// duration `hh:mm'ss` (a ring time `m'ss` just before it), then cost, account code and condition
/// code (CD) at fixed offsets after the duration or cost.
///
/// - Time: KX-TD/TDA/TDE/NS print the **end** of the call (start = end − duration); KX-TES/TEB
///   print the **start**, with `*` in front for a transferred call.
/// - Dial number: `<I>` incoming (CLI or caller name; empty = withheld), `<D>` the DDI, `EXTnnn`
///   an intercom call, `-` a transferred call (digits after it were dialled after the transfer),
///   `P`/`F`/`=` pause, EFA and host access, `.`/`X` secret dialling and privacy (masked).
/// - CD: `TR` transfer, `FW` forward to a CO line, `D0`-`D4` DISA, `NA` not answered, `RM`, `RC`.
/// - `11:59'59` is the duration counter's overflow, not a length: duration is then null.
/// - Date order: `--date-order`; otherwise `mm/dd` when times are 12-hour (US models), else `dd/mm`.
public enum PanasonicFormat: SMDRFormat {
    public static let id = "panasonic"
    public static let title = "Panasonic KX-TD/TDA/TDE/NS SMDR (patterns A, B, C; time = end of call)"

    public static func claim(_ lines: [String]) -> Int {
        let variant = PanasonicLayout.claim(lines)
        return variant.tes ? variant.score / 2 : variant.score
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
        // Pattern A with ring time and account code, 12-hour clock (US, so month first).
        FormatVector(
            ["06/24/97 10:08AM   15 01 <I>                 0'12 00:10'01 431211     TR"],
            [
                "end": "\"1997-06-24T10:08:00+02:00\"", "ring_s": "12", "duration_s": "601", "account_code": "\"431211\"",
                "flags": "[\"transfer\",\"withheld\"]", "number": "null",
            ]),
        FormatVector(
            ["06/24/97 01:04PM  103 06 092...1438              00:00'06"],
            ["number": "null", "flags": "[\"masked\"]", "dialed": "\"092...1438\"", "end": "\"1997-06-24T13:04:00+02:00\""]),
        FormatVector(
            ["24.03.94 10:08   205 05 <I>MARY WARD           00:10'01 00000.00"],
            ["caller_name": "\"MARY WARD\"", "number": "null", "end": "\"1994-03-24T10:08:00+01:00\"", "pbx_cost": "\"0.00\""]),
        FormatVector(
            ["10/12/20 17:00    234 01 0364531372-231       11:59'59 EU00000.00            TR"],
            ["duration_s": "null", "start": "null", "flags": "[\"transfer\",\"overflow\"]", "number": "\"0364531372\"", "digits_after_transfer": "\"231\""]),
    ]
}

/// Panasonic KX-TES824 / KX-TEB308 (and KX-TA hybrids): same printout, but the time is the
/// **start** of the call and `*` before it marks a transferred call.
public enum PanasonicTESFormat: SMDRFormat {
    public static let id = "panasonic-tes"
    public static let title = "Panasonic KX-TES/TEB SMDR (time = start of call, * = transferred)"

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
            ["start": "\"1998-12-31T12:54:00+01:00\"", "end": "\"1998-12-31T13:01:48+01:00\"", "flags": "[\"transfer\"]", "extension": "\"101\""])
    ]
}

/// The reading shared by the Panasonic variants.
enum PanasonicLayout {
    static func claim(_ lines: [String]) -> (score: Int, tes: Bool) {
        var hits = 0
        var tes = false
        var header = false
        for line in lines {
            if line.contains("Date") && line.contains("Time") && line.contains("Ext") && line.contains("CO") {
                header = true
                if line.contains("Code") && !line.contains("CD") { tes = true }
                continue
            }
            let t = ByteText(line)
            guard t.matches("99/99/99", at: 0) || t.matches("99.99.99", at: 0) else { continue }
            guard t.find("99:99'99", from: 9) != nil || t.find("EXT9", from: 9) != nil else { continue }
            hits += 1
            var i = 8
            while t[i].isBlank && i < t.count { i += 1 }
            if t[i] == UInt8(ascii: "*") { tes = true }
        }
        guard hits > 0 || header else { return (0, false) }
        return (min(100, 50 + (header ? 30 : 0) + 50 * hits / max(1, lines.count)), tes)
    }

    static let conditionCodes: Set<String> = ["TR", "FW", "NA", "D0", "D1", "D2", "D3", "D4", "RM", "RC"]
    static let overflowSeconds = 11 * 3600 + 59 * 60 + 59

    struct Parser: RecordParser {
        let format: String
        let startTime: Bool
        let clock: ZoneClock
        let explicitOrder: ParseOptions.DateOrder?
        var order: ParseOptions.DateOrder?

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

        mutating func parse(_ line: FramedLine, _ t: RawText, into out: inout [ParseEvent]) {
            // Page heading and its rule.
            if !t[0].isDigit {
                let s = line.bytes.decoded
                if s.contains("Date") && s.contains("Time") { return out.append(line.skip(.pageHeader)) }
                let all = t.trimmed(0, t.count)
                if !t.contains(all, where: { $0 != UInt8(ascii: "-") && $0 != UInt8(ascii: "=") }) { return out.append(line.skip(.rule)) }
                if !t.contains(all, where: \.isDigit) { return out.append(line.noDigits(format: format)) }
                return out.append(line.reject("a Panasonic record starts with its date (dd/mm/yy) in column 1", format: format))
            }
            let sep = t[2]
            guard (sep == UInt8(ascii: "/") || sep == UInt8(ascii: ".")), t[5] == sep,
                let a = t.number(0, 2), let b = t.number(3, 2), let yy = t.number(6, 2)
            else {
                return out.append(line.reject("a Panasonic record starts with its date (dd/mm/yy) in column 1", format: format))
            }
            // Time: optional `*` (TES: transferred), h:mm or hh:mm, optional AM/PM.
            var i = 8
            while i < t.count && t[i].isBlank { i += 1 }
            var transferredMark = false
            if t[i] == UInt8(ascii: "*") {
                transferredMark = true
                i += 1
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
            var twelveHour = false
            if (t[i] == UInt8(ascii: "A") || t[i] == UInt8(ascii: "P")) && t[i + 1] == UInt8(ascii: "M") {
                twelveHour = true
                guard (1...12).contains(hour) else { return out.append(line.reject("12-hour time with hour \(hour)", format: format)) }
                if t[i] == UInt8(ascii: "P") && hour != 12 { hour += 12 }
                if t[i] == UInt8(ascii: "A") && hour == 12 { hour = 0 }
                i += 2
            }
            // Date order.
            if order == nil { order = twelveHour ? .mdy : .dmy }
            if sep == UInt8(ascii: ".") { order = explicitOrder ?? .dmy }
            let year = yy < 70 ? 2000 + yy : 1900 + yy
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
                return out.append(line.reject("invalid date or time '\(t.string(0, i) ?? "")' (date order \(order!.rawValue); set --date-order if the PBX prints the other)", format: format))
            }

            // Extension, then CO when it is a number.
            func token(from: Int) -> Range<Int> {
                var s = from
                while s < t.count && t[s].isBlank { s += 1 }
                var e = s
                while e < t.count && !t[e].isBlank { e += 1 }
                return s..<e
            }
            let ext = token(from: i)
            guard !ext.isEmpty else { return out.append(line.reject("no extension after the time", format: format)) }
            var r = CallRecord(format: format, raw: t.string(0..<t.count) ?? "", line: line.number, offset: line.offset)
            r.extension_ = t.string(ext)
            var dialStart = ext.upperBound
            let co = token(from: ext.upperBound)
            if !co.isEmpty && co.count <= 4 && !t.contains(co, where: { !$0.isDigit }) {
                r.trunk = t.string(co)
                dialStart = co.upperBound
            }
            // Duration `hh:mm'ss`, and what follows it.
            let durationAt = t.find("99:99'99", from: dialStart)
            var dialEnd = durationAt ?? t.count
            var condition: Range<Int> = 0..<0
            if let d = durationAt {
                let seconds = t.clockSeconds(d..<(d + 8))!
                if seconds == overflowSeconds {
                    r.flags.insert(.overflow)
                } else {
                    r.durationSeconds = seconds
                }
                // Ring `m'ss` just before the duration (patterns A and C).
                var k = d - 1
                while k > dialStart && t[k].isBlank { k -= 1 }
                if k > dialStart && t[k].isDigit {
                    var s = k
                    while s > dialStart && !t[s - 1].isBlank { s -= 1 }
                    if t.contains(s..<(k + 1), where: { $0 == UInt8(ascii: "'") }), let ring = t.clockSeconds(s..<(k + 1)) {
                        r.ringSeconds = ring
                        dialEnd = s
                    }
                }
                condition = parseTail(t, after: d + 8, into: &r)
            }
            let dial = t.trimmed(dialStart, dialEnd)
            if !readDial(t, dial, into: &r) {
                return out.append(line.skip(.event, t.string(dial)))
            }
            if transferredMark { r.flags.insert(.transfer) }
            var notAnswered = false
            if condition.count == 2 {
                let c0 = t[condition.lowerBound], c1 = t[condition.lowerBound + 1]
                switch (c0, c1) {
                case (UInt8(ascii: "T"), UInt8(ascii: "R")): r.flags.insert(.transfer)
                case (UInt8(ascii: "F"), UInt8(ascii: "W")): r.flags.insert(.forward)
                case (UInt8(ascii: "N"), UInt8(ascii: "A")): notAnswered = true
                case (UInt8(ascii: "D"), _) where c1 >= UInt8(ascii: "0") && c1 <= UInt8(ascii: "4"): r.flags.insert(.disa)
                default: break
                }
            }
            if durationAt != nil {
                r.answered = !notAnswered && (r.durationSeconds ?? 1) > 0
            }
            let printed = clock.zoned(civil)
            if startTime {
                r.setTimes(start: printed, end: nil, elapsed: r.durationSeconds, zone: clock)
            } else {
                r.setTimes(start: nil, end: printed, elapsed: r.durationSeconds, zone: clock)
            }
            out.append(.record(r))
        }

        /// Cost, account code and CD after the duration; returns the CD's columns.
        func parseTail(_ t: RawText, after: Int, into r: inout CallRecord) -> Range<Int> {
            var p = after
            var s = p
            while s < t.count && t[s].isBlank { s += 1 }
            var e = s
            while e < t.count && !t[e].isBlank { e += 1 }
            if s <= after + 2 && t.contains(s..<e, where: { $0 == UInt8(ascii: ".") }) && t.contains(s..<e, where: \.isDigit) {
                // `EU00000.00`, `00560.00EU`, `00560.00EUR`: currency letters before or after the amount.
                var lo = s, hi = e
                while lo < hi && t[lo].isLetter { lo += 1 }
                while hi > lo && t[hi - 1].isLetter { hi -= 1 }
                r.pbxCost = t.string(lo..<hi).flatMap(Decimals.normalise)
                r.currency = t.string(s..<lo) ?? t.string(hi..<e)
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
            if let code = t.string(last), PanasonicLayout.conditionCodes.contains(code) || (last.lowerBound >= p + 12 && last.count <= 2) {
                r.setExtra("condition_code", code)
                condition = last
                accountEnd = last.lowerBound
            }
            r.accountCode = t.string(t.trimmed(rest.lowerBound, accountEnd))
            return condition
        }

        /// Fills direction, number and dialled digits; `false` for event lines that are not calls.
        func readDial(_ t: RawText, _ dial: Range<Int>, into r: inout CallRecord) -> Bool {
            // The common cases first, without building substrings.
            if dial.isEmpty { return false }
            let first = t[dial.lowerBound]
            if first.isDigit && !t.contains(dial, where: { !$0.isDigit }) {
                r.direction = .outgoing
                r.dialed = t.string(dial)
                r.number = r.dialed
                return true
            }
            if first == UInt8(ascii: "<") && t.matches("<I>", at: dial.lowerBound)
                && !t.contains((dial.lowerBound + 3)..<dial.upperBound, where: { !$0.isDigit && $0 != UInt8(ascii: "+") })
            {
                r.direction = .incoming
                if dial.count == 3 { r.flags.insert(.withheld) } else { r.number = t.string((dial.lowerBound + 3)..<dial.upperBound) }
                return true
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
                // LOG IN, LOG OUT, Check in, Timed Reminder…: not calls.
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
    }
}
