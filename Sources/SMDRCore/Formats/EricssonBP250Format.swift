/// Ericsson BusinessPhone 250 (BP 250) call logging output: fixed 170-column lines, no heading.
///
/// Sources: ATSlog parser library `bp-250` (`shared/reference/formats/field-families.md`,
/// third-party code) and the field capture `shared/field/ericsson/bp-250.smdr` (517 lines, LF).
///
/// Columns (1-based, inclusive):
///
/// | cols | field |
/// |---|---|
/// | 1-2 | `00` |
/// | 4-6 | sequence number, 3 digits, wrapping 999 → 000 (`record_number`) |
/// | 8-13 | date `yymmdd` of the call's **end** |
/// | 15-18 | time `hhmm` of the call's **end** |
/// | 20-23 | calling party: the extension (outgoing, internal) or the route/trunk (incoming) |
/// | 25-29 | duration `hmmss` (one hour digit); blank when the call was not answered |
/// | 31-34 | `0000` |
/// | 36-39 | access code dialled before the number (`0`, `700`) (`access_code`) |
/// | 41-64 | dialled number: the external number without access code (outgoing), the extension (incoming, internal) |
/// | 66 | status letter ("information status II"): the direction, below (`call_type`) |
/// | 68-82 | account code |
/// | 84-87 | authorisation code (`auth_code`) |
/// | 89-92 | 4 digits no source names (not read) |
/// | 94 | the status letter again ("information state I") |
/// | 96-106 | cost (`0.00`) |
/// | 108 | `I`, or `E` when nothing was dialled (no source names it; not read) |
/// | 110-113 | trunk of an outgoing call |
/// | 115-118 | access code again |
/// | 120-143 | sent number: the digits sent to the trunk (`sent_number`) |
/// | 145-164 | A-number: the caller's number on incoming calls |
/// | 168-169 | transfer condition (`transfer_condition`; always blank in the capture) |
///
/// **Status letter**: lower-case `a`-`m` or the digits `1`, `3`, `4`, `6` = outgoing (extension =
/// calling party, trunk = 110-113, number = dialled number); upper-case `A`-`I` or `M` = incoming
/// (trunk = calling party, extension = dialled number, number = A-number); `Q` = internal
/// (extension = calling party, number = the dialled extension). Another status is read without a
/// direction. ATSlog drops internal calls; here they are records like the others.
///
/// **End time**: the ATSlog library states the printed date and time are the END of the call and
/// computes start = end − duration; the capture agrees: over its 517 lines the printed times never
/// go back, while end − duration goes back 162 times (durations reach 27 minutes), so the lines are
/// printed as calls end, stamped with the end. The time has no seconds, so start
/// and end are to the minute.
///
/// **Unanswered**: a blank duration means the call was not answered (ATSlog: "blank if
/// unanswered"; in the capture the blank lines are the repeated unanswered attempts such as
/// route 710 → 253): duration 0, answered false.
///
/// The transfer condition's codes 11-14 were meant to mean "forwarded" in ATSlog but a misspelt
/// variable means it never set it; with no example, the code is kept and no flag is derived.
public enum EricssonBP250Format: SMDRFormat {
    public static let id = "ericsson-bp250"
    public static let title = "Ericsson BusinessPhone 250 call logging (170-column fixed lines)"

    /// `00 999 yymmdd hhmm ` and a status character at column 66.
    static func isRecord(_ t: ByteText) -> Bool {
        guard t.matches("99 999 999999 9999 ", at: 0), t[2].isBlank else { return false }
        let s = t[65]
        return (s.isLetter || s.isDigit) && t[64].isBlank && t[66].isBlank && t[29].isBlank && t[34].isBlank
    }

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 50) { isRecord(ByteText($0)) }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    static func direction(_ status: UInt8) -> Direction? {
        switch status {
        case UInt8(ascii: "a")...UInt8(ascii: "m"), UInt8(ascii: "1"), UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"): .outgoing
        case UInt8(ascii: "A")...UInt8(ascii: "I"), UInt8(ascii: "M"): .incoming
        case UInt8(ascii: "Q"): .internal
        default: nil
        }
    }

    struct Parser: RecordParser {
        let clock: ZoneClock
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard EricssonBP250Format.isRecord(t) else {
                if t.isRule { return out.append(line.skip(.rule)) }
                return out.append(line.reject("a BP 250 record starts `00 NNN yymmdd hhmm` and carries a status letter at column 66", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            let durationField = t.field(columns: 25...29)
            if durationField.isEmpty {
                r.durationSeconds = 0
                r.answered = false
            } else {
                guard durationField.count == 5, let h = durationField.prefix(1).int, let m = durationField.dropFirst().prefix(2).int,
                    let s = durationField.suffix(2).int
                else { return out.append(line.reject("duration (columns 25-29) is not hmmss", format: id)) }
                r.durationSeconds = h * 3600 + m * 60 + s
                r.answered = r.durationSeconds! > 0
            }
            let status = t[65]
            let direction = EricssonBP250Format.direction(status)
            r.direction = direction
            let caller = t.string(columns: 20...23)
            let dialled = t.string(columns: 41...64)
            let aNumber = t.string(columns: 145...164)
            switch direction {
            case .incoming:
                r.trunk = caller
                r.extension_ = dialled
                r.number = aNumber?.phoneDigits
            case .outgoing:
                r.extension_ = caller
                r.trunk = t.string(columns: 110...113)
                r.dialed = dialled
                r.number = dialled?.phoneDigits
            default:
                r.extension_ = caller
                r.dialed = dialled
                r.number = dialled?.phoneDigits
            }
            r.accountCode = t.string(columns: 68...82)
            r.pbxCost = t.string(columns: 96...106).flatMap(Decimals.normalise)
            r.setExtra("record_number", t.string(columns: 4...6))
            r.setExtra("call_type", String(UnicodeScalar(status)))
            r.setExtra("access_code", t.string(columns: 36...39))
            r.setExtra("auth_code", t.string(columns: 84...87))
            r.setExtra("sent_number", t.string(columns: 120...143))
            if direction != .incoming, let a = aNumber { r.setExtra("calling_number", a) }
            r.setExtra("transfer_condition", t.string(columns: 168...169))
            let end = CivilDateTime(
                year: 2000 + t.number(7, 2)!, month: t.number(9, 2)!, day: t.number(11, 2)!, hour: t.number(14, 2)!, minute: t.number(16, 2)!)
            r.setTimes(start: nil, end: end.map { clock.zoned($0) }, elapsed: r.durationSeconds, zone: clock)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    static func row(_ fields: [(Int, String)]) -> String { MitelFormat.line(fields, width: 170) }

    public static let vectors: [FormatVector] = [
        // Outgoing: extension 255 dialled 0 + 242347 on trunk 711, 13 s, ended 12:15.
        FormatVector(
            [row([(1, "00"), (4, "715"), (8, "050706"), (15, "1215"), (20, "255"), (25, "00013"), (31, "0000"), (36, "0"), (41, "242347"), (66, "a"), (89, "0018"), (94, "a"), (96, "       0.00"), (108, "I"), (110, "711"), (115, "0"), (120, "242347")])],
            [
                "end": "\"2005-07-06T12:15:00+02:00\"", "start": "\"2005-07-06T12:14:47+02:00\"", "duration_s": "13", "direction": "\"outgoing\"",
                "extension": "\"255\"", "trunk": "\"711\"", "number": "\"242347\"", "dialed": "\"242347\"", "access_code": "\"0\"", "answered": "true",
                "record_number": "\"715\"", "pbx_cost": "\"0.00\"",
            ]),
        // Incoming on route 700 to extension 201, 19 s.
        FormatVector(
            [row([(1, "00"), (4, "701"), (8, "050706"), (15, "1211"), (20, "700"), (25, "00019"), (31, "0000"), (41, "201"), (66, "A"), (89, "0006"), (94, "A"), (96, "       0.00"), (108, "I")])],
            ["direction": "\"incoming\"", "trunk": "\"700\"", "extension": "\"201\"", "number": "null", "duration_s": "19", "call_type": "\"A\""]),
        // Internal, unanswered (blank duration).
        FormatVector(
            [row([(1, "00"), (4, "702"), (8, "050706"), (15, "1211"), (20, "244"), (31, "0000"), (41, "247"), (66, "Q"), (89, "0028"), (94, "Q"), (96, "       0.00"), (108, "I")])],
            ["direction": "\"internal\"", "extension": "\"244\"", "number": "\"247\"", "duration_s": "0", "answered": "false", "start": "\"2005-07-06T12:11:00+02:00\""]),
    ]
}
