/// Mitel MiVoice Business / 3300 ICP / SX-200 SMDR: fixed width, one line per call segment, no year.
///
/// Source: Mitel "SMDR - Summary of Fields Tables" and "SMDR Examples";
/// `shared/reference/formats/mitel.md`. The layout is recognised per line:
///
/// | layout | how it is recognised | length |
/// |---|---|---|
/// | Standard | duration `hh:mm:ss` at columns 15-22 | 90 / 112 / 131 |
/// | Extended Digit Length | duration `hhhh:mm:ss` at 15-24 | 101 / 120 / 139 |
/// | … with Extended Time to Answer | as above, answer time in 4 digits at 34-37 | |
/// | Extended Reporting Level 1 | as above, 150 or more characters | 162 |
/// | Extended Reporting Level 1+2 | start time with seconds `hh:mm:ssp` at 8-16 | 195 / 207 |
///
/// Columns of each layout are in ``layouts`` (1-based, inclusive, as in the manual). Level 1 is
/// taken as Level 1+2 without the start seconds (3 columns to the left): Mitel's table for it was
/// not available.
///
/// Semantics: a `T`/`X` trunk as calling party = incoming, as called party = outgoing; call
/// completion `I` = internal; both trunks = tandem. `***` time to answer = unanswered. Transfer
/// flag `T`/`X` (supervised/unsupervised) with the third party = the transfer target; `C` =
/// conference. Meter pulses (optional) sit in the last 5 columns of the digits field. The `P`
/// after the time means PM on a 12-hour clock (`p` too; an explicit `A` = AM, `12:05A` = 00:05).
/// No year: `--year` or the receive date supplies it.
///
/// START: the printed time is the call's start (the manual's "Start time" column); `end` = start +
/// duration. Every line whose date and start time can be read keeps them: a blank-padded hour
/// (` 9:05`), a capture that stripped the leading long-call blank (date at column 1), and a
/// duration that cannot be read (then `duration_s` and `end` are null; the layout comes from the
/// duration's separators or, failing them, the documented line lengths).
public enum MitelFormat: SMDRFormat {
    public static let id = "mitel"
    public static let title = "Mitel MiVoice Business / 3300 / SX-200 SMDR (standard, extended, reporting levels 1 and 2)"
    /// One record is one call.
    public static let linking = CallLinking.single

    struct Layout: Sendable {
        let name: String
        let time: ClosedRange<Int>
        let duration: ClosedRange<Int>
        let calling: ClosedRange<Int>
        let attendant: Int
        let answer: ClosedRange<Int>
        let digits: ClosedRange<Int>
        let meter: ClosedRange<Int>
        let meterSeparate: Bool
        let completion: Int
        let speedForward: Int
        let called: ClosedRange<Int>
        let ldn: ClosedRange<Int>?
        let transfer: Int
        let third: ClosedRange<Int>
        let account: ClosedRange<Int>
        let route: Int
        let system: ClosedRange<Int>
        let mlpp: Int
        let ani: ClosedRange<Int>
        let dnis: ClosedRange<Int>
        let suite: ClosedRange<Int>?
        let callID: ClosedRange<Int>
        let sequence: Int
        let associated: ClosedRange<Int>
    }

    static let standard = Layout(
        name: "standard", time: 8...13, duration: 15...22, calling: 24...27, attendant: 29, answer: 30...32, digits: 34...59,
        meter: 55...59, meterSeparate: false, completion: 60, speedForward: 61, called: 62...65, ldn: nil, transfer: 66,
        third: 68...71, account: 73...84, route: 85, system: 86...88, mlpp: 90, ani: 92...101, dnis: 103...112, suite: nil,
        callID: 114...121, sequence: 122, associated: 124...131)
    static let extended = Layout(
        name: "extended", time: 8...13, duration: 15...24, calling: 26...32, attendant: 34, answer: 35...37, digits: 39...61,
        meter: 60...64, meterSeparate: false, completion: 65, speedForward: 66, called: 67...73, ldn: nil, transfer: 74,
        third: 76...82, account: 84...95, route: 96, system: 97...99, mlpp: 101, ani: 103...112, dnis: 114...120, suite: nil,
        callID: 122...129, sequence: 130, associated: 132...139)
    static let extendedAnswer = Layout(
        name: "extended-time-to-answer", time: 8...13, duration: 15...24, calling: 26...32, attendant: 33, answer: 34...37,
        digits: 39...61, meter: 60...64, meterSeparate: false, completion: 65, speedForward: 66, called: 67...73, ldn: nil,
        transfer: 74, third: 76...82, account: 84...95, route: 96, system: 97...99, mlpp: 101, ani: 103...112, dnis: 114...120,
        suite: nil, callID: 122...129, sequence: 130, associated: 132...139)
    static let level1 = Layout(
        name: "reporting-level-1", time: 8...13, duration: 15...24, calling: 26...32, attendant: 33, answer: 34...37,
        digits: 39...59, meter: 60...64, meterSeparate: true, completion: 65, speedForward: 66, called: 67...73, ldn: 75...81,
        transfer: 82, third: 84...90, account: 92...103, route: 104, system: 105...107, mlpp: 109, ani: 111...130,
        dnis: 132...141, suite: 143...149, callID: 151...158, sequence: 160, associated: 162...169)
    static let level2 = Layout(
        name: "reporting-level-1+2", time: 8...16, duration: 18...27, calling: 29...35, attendant: 36, answer: 37...40,
        digits: 42...62, meter: 63...67, meterSeparate: true, completion: 68, speedForward: 69, called: 70...76, ldn: 78...84,
        transfer: 85, third: 87...93, account: 95...106, route: 107, system: 108...110, mlpp: 112, ani: 114...133,
        dnis: 135...144, suite: 146...152, callID: 154...161, sequence: 163, associated: 165...172)

    /// `hh:mm` at `at`, the hour possibly blank-padded (` 9:42`).
    static func isClock(_ t: ByteText, at: Int) -> Bool {
        (t[at].isDigit || t[at] == 0x20) && t.matches("9:99", at: at + 1)
    }

    /// The layout of one line, from where its time and duration separators fall. A line whose
    /// duration cannot be read (blank, or overwritten) still has its layout when its time and
    /// length tell it, so the record keeps its start time.
    static func layout(of t: ByteText) -> Layout? {
        guard t.matches("99/99", at: 1), isClock(t, at: 7) else { return nil }
        if t.matches(":99", at: 12) && t.matches("9999:99:99", at: 17) { return level2 }
        if t.matches("99:99:99", at: 14) { return standard }
        if t.matches("9999:99:99", at: 14) { return t.count >= 150 ? level1 : t[33].isDigit ? extendedAnswer : extended }
        // No readable duration: the separators, then the documented line lengths, tell the layout.
        if t.matches(":99", at: 12) && (t.count >= 195 || t[20] == UInt8(ascii: ":")) { return level2 }
        guard t[13].isBlank || t[13].isLetter, t[14].isBlank || t[14].isDigit else { return nil }
        if t[16] == UInt8(ascii: ":") && t[19] == UInt8(ascii: ":") { return standard }
        if t[18] == UInt8(ascii: ":") && t[21] == UInt8(ascii: ":") { return t.count >= 150 ? level1 : t[33].isDigit ? extendedAnswer : extended }
        guard t.slice(14, 24).trimmed.isEmpty else { return nil }
        switch t.count {
        case 150...: return level1
        case 95..<112, 114..<131, 133...: return t[33].isDigit ? extendedAnswer : extended
        default: return standard
        }
    }

    /// The line as the layouts count it: a capture that stripped the leading blank of the
    /// long-call column (date at column 1) is given it back.
    static func aligned(_ t: ByteText) -> ByteText {
        if !t.matches("99/99", at: 1), t.matches("99/99 ", at: 0) { return ByteText(ArraySlice([0x20] + Array(t.bytes))) }
        return t
    }

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 50) { layout(of: aligned(ByteText($0))) != nil }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    static func isTrunk(_ party: String?) -> Bool {
        guard let p = party, let first = p.utf8.first, first == UInt8(ascii: "T") || first == UInt8(ascii: "X") else { return false }
        return p.utf8.dropFirst().first?.isDigit ?? false
    }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = MitelFormat.aligned(line.text)
            guard let l = MitelFormat.layout(of: t) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("not a Mitel SMDR line: expected mm/dd at columns 2-6, the start time at 8 and the duration at 15", format: id))
            }
            let month = t.number(1, 2)!, day = t.number(4, 2)!
            var hour = t.field(l.time.lowerBound - 1, l.time.lowerBound + 1).int ?? 0
            let minute = t.number(l.time.lowerBound + 2, 2)!
            let second = l.time.count == 9 ? t.number(l.time.lowerBound + 5, 2) ?? 0 : 0
            switch t[l.time.upperBound - 1] {
            case UInt8(ascii: "P"), UInt8(ascii: "p"):
                guard (1...12).contains(hour) else { return out.append(line.reject("PM time with hour \(hour)", format: id)) }
                if hour != 12 { hour += 12 }
            case UInt8(ascii: "A"), UInt8(ascii: "a"):
                // An explicit AM on a 12-hour clock: 12:xxA is just after midnight.
                guard (1...12).contains(hour) else { return out.append(line.reject("AM time with hour \(hour)", format: id)) }
                if hour == 12 { hour = 0 }
            default: break
            }
            let year = calendar.years.year(month: month, day: day)
            guard let civil = CivilDateTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second) else {
                return out.append(line.reject("invalid date or time \(t.string(1, l.time.upperBound) ?? "") (year \(year); give --year if it is not that one)", format: id))
            }
            // A duration that cannot be read leaves duration and end null; the start is kept.
            let duration = t.field(columns: l.duration).clockSeconds
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.durationSeconds = duration
            let calling = t.string(columns: l.calling)
            let called = t.string(columns: l.called)
            let callingTrunk = MitelFormat.isTrunk(calling)
            let calledTrunk = MitelFormat.isTrunk(called)
            let completion = t[l.completion - 1]
            if callingTrunk && calledTrunk {
                r.flags.insert(.tandem)
                r.trunk = calling
                r.setExtra("outgoing_trunk", called)
            } else if callingTrunk {
                r.direction = .incoming
                r.trunk = calling
                r.extension_ = called
            } else if calledTrunk {
                r.direction = .outgoing
                r.trunk = called
                r.extension_ = calling
            } else if calling == nil, called != nil {
                // Masked captures blank the trunk: a call with no calling party came in on one.
                r.direction = .incoming
                r.extension_ = called
            } else if called == nil, calling != nil, completion != UInt8(ascii: "I") {
                r.direction = .outgoing
                r.extension_ = calling
            } else {
                r.direction = .internal
                r.extension_ = calling
                r.number = called?.phoneDigits
            }
            if t[l.attendant - 1] == UInt8(ascii: "*") { r.flags.insert(.attendant) }
            let answer = t.field(columns: l.answer)
            let unanswered = !answer.isEmpty && answer.allSatisfy { $0 == UInt8(ascii: "*") }
            if let s = answer.int { r.ringSeconds = s }

            // Digits, with meter pulses in the last columns when the site enables them.
            var digitsRange = l.digits
            let meter = t.field(columns: l.meter)
            if meter.allDigits && (l.meterSeparate || t[l.meter.lowerBound - 2].isBlank) {
                r.units = meter.int
                if !l.meterSeparate { digitsRange = l.digits.lowerBound...(l.meter.lowerBound - 1) }
            }
            let digits = t.string(columns: digitsRange)
            r.dialed = digits
            switch r.direction {
            case .outgoing: r.number = digits?.phoneDigits
            case .incoming: r.number = t.string(columns: l.ani)?.phoneDigits
            default: break
            }
            switch completion {
            case UInt8(ascii: "A"): r.answered = true
            case UInt8(ascii: "B"), UInt8(ascii: "E"), UInt8(ascii: "T"), UInt8(ascii: "P"): r.answered = false
            default:
                if unanswered {
                    r.answered = false
                } else if r.direction != .outgoing, answer.int != nil || r.direction == .internal, let duration {
                    r.answered = duration > 0
                }
            }
            if unanswered { r.answered = false }
            if t[l.speedForward - 1] == UInt8(ascii: "F") { r.flags.insert(.forward) }
            let third = t.string(columns: l.third)
            switch t[l.transfer - 1] {
            case UInt8(ascii: "T"), UInt8(ascii: "X"):
                r.flags.insert(.transfer)
                r.setExtra("transferred_to", third)
            case UInt8(ascii: "C"): r.flags.insert(.conference)
            default: break
            }
            r.accountCode = t.string(columns: l.account)
            r.callID = t.string(columns: l.callID)
            r.continuation = false
            r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)

            r.setExtra("layout", l.name)
            r.setExtra("calling_party", calling)
            r.setExtra("called_party", called)
            r.setExtra("third_party", third)
            let mark = { (col: Int) -> String? in t[col - 1].isBlank ? nil : String(UnicodeScalar(t[col - 1])) }
            r.setExtra("long_call", mark(1))
            r.setExtra("call_completion", mark(l.completion))
            r.setExtra("speed_call_forward", mark(l.speedForward))
            r.setExtra("transfer_conference", mark(l.transfer))
            if let ldn = l.ldn { r.setExtra("ldn_called", t.string(columns: ldn)) }
            r.setExtra("route_optimisation", mark(l.route))
            r.setExtra("system_id", t.string(columns: l.system))
            r.setExtra("calling_number", t.string(columns: l.ani))
            r.setExtra("dnis", t.string(columns: l.dnis))
            if let suite = l.suite { r.setExtra("suite", t.string(columns: suite)) }
            r.setExtra("call_sequence", mark(l.sequence))
            r.setExtra("associated_call_id", t.string(columns: l.associated))
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    /// Builds a line of a layout from column values (for vectors and tests).
    static func line(_ fields: [(Int, String)], width: Int) -> String {
        var chars = [Character](repeating: " ", count: width)
        for (col, value) in fields {
            for (k, c) in value.enumerated() where col - 1 + k < width { chars[col - 1 + k] = c }
        }
        return String(chars)
    }

    public static let vectors: [FormatVector] = [
        // Mitel's example 1, set in the official standard columns: station 214 dialled out on trunk 54.
        FormatVector(
            [line([(2, "06/13"), (8, "11:42"), (15, "00:08:29"), (24, "214"), (30, "004"), (34, "6135952122"), (60, "A"), (62, "T054"), (86, "000")], width: 90)],
            options: .vectorsWith(year: 2026),
            [
                "start": "\"2026-06-13T11:42:00+02:00\"", "end": "\"2026-06-13T11:50:29+02:00\"", "duration_s": "509", "direction": "\"outgoing\"",
                "extension": "\"214\"", "trunk": "\"T054\"", "number": "\"6135952122\"", "answered": "true", "ring_s": "4",
            ]),
        // Example 3: incoming DID trunk 102 rang station 201, answered after 8 s, 3:10 PM.
        FormatVector(
            [line([(2, "01/30"), (8, "03:10P"), (15, "00:02:22"), (24, "T102"), (30, "008"), (34, "201"), (62, "201"), (73, "1200")], width: 90)],
            options: .vectorsWith(year: 2026),
            [
                "start": "\"2026-01-30T15:10:00+01:00\"", "direction": "\"incoming\"", "extension": "\"201\"", "trunk": "\"T102\"", "ring_s": "8",
                "dialed": "\"201\"", "number": "null", "answered": "true", "account_code": "\"1200\"",
            ]),
        // Unanswered incoming call; meter pulses enabled on an outgoing call.
        FormatVector(
            [line([(2, "03/12"), (8, "09:11"), (15, "00:00:00"), (24, "T116"), (29, "*"), (30, "***"), (34, "224"), (62, "224")], width: 90)],
            options: .vectorsWith(year: 2026), ["answered": "false", "flags": "[\"attendant\"]", "ring_s": "null"]),
        // A masked capture with the trunk fields blanked.
        FormatVector(
            [line([(2, "03/12"), (8, "09:11"), (15, "00:01:00"), (30, "005"), (34, "2204"), (62, "2204")], width: 90)],
            options: .vectorsWith(year: 2026), ["direction": "\"incoming\"", "extension": "\"2204\"", "trunk": "null", "ring_s": "5"]),
        FormatVector(
            [line([(2, "03/12"), (8, "09:11"), (15, "00:03:00"), (24, "2001"), (34, "0145678900"), (55, "00012"), (60, "A"), (62, "T010")], width: 90)],
            options: .vectorsWith(year: 2026), ["units": "12", "number": "\"0145678900\"", "dialed": "\"0145678900\""]),
        // Variants that keep their start time: a blank-padded hour with a lower-case p, a capture that
        // stripped the long-call blank, a duration the PBX left blank.
        FormatVector(
            [line([(2, "11/03"), (8, " 9:05p"), (15, "00:08:29"), (24, "214"), (30, "004"), (34, "6135952122"), (60, "A"), (62, "T054"), (86, "000")], width: 90)],
            options: .vectorsWith(year: 2026), ["start": "\"2026-11-03T21:05:00+01:00\"", "duration_s": "509"]),
        FormatVector(
            [String(line([(2, "11/03"), (8, "12:05A"), (15, "00:01:00"), (24, "214"), (30, "004"), (34, "6135952122"), (60, "A"), (62, "T054")], width: 90).dropFirst())],
            options: .vectorsWith(year: 2026), ["start": "\"2026-11-03T00:05:00+01:00\"", "extension": "\"214\"", "trunk": "\"T054\""]),
        FormatVector(
            [line([(2, "11/03"), (8, "09:05"), (15, "  :  :  "), (24, "214"), (30, "004"), (34, "6135952122"), (60, "B"), (62, "T054"), (86, "000")], width: 90)],
            options: .vectorsWith(year: 2026),
            ["start": "\"2026-11-03T09:05:00+01:00\"", "end": "null", "duration_s": "null", "answered": "false", "direction": "\"outgoing\""]),
        // Level 1+2 (207 columns): incoming call supervised-transferred to extension 2002.
        FormatVector(
            [
                line(
                    [
                        (2, "11/03"), (8, "04:20:05P"), (18, "0000:04:10"), (29, "T1001"), (37, "0012"), (42, "2001"), (70, "2001"), (85, "T"),
                        (87, "2002"), (114, "0611223344"), (154, "A0010042"), (163, "A"),
                    ], width: 207)
            ],
            options: .vectorsWith(year: 2026),
            [
                "start": "\"2026-11-03T16:20:05+01:00\"", "duration_s": "250", "direction": "\"incoming\"", "number": "\"0611223344\"",
                "flags": "[\"transfer\"]", "transferred_to": "\"2002\"", "call_id": "\"A0010042\"", "ring_s": "12", "layout": "\"reporting-level-1+2\"",
            ]),
    ]
}

extension ParseOptions {
    static func vectorsWith(year: Int) -> ParseOptions {
        var o = ParseOptions.vectors
        o.year = year
        return o
    }
}
