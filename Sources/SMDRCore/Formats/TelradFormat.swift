/// Telrad (Coral-era key/hybrid system) SMDR, as written by a logging program that puts its own
/// `dd.mm.yyyy hh:mm` in front of every line.
///
/// Source: one capture (`shared/field/telrad/telrad.smdr`, 2002) and the notes in
/// `shared/reference/formats/field-families.md` ("Telrad"). No vendor documentation. Trust: low
/// to medium (one site).
///
/// ```
/// 27.11.2002 00:17  802          12:13 AM     01:29  I S-E                                  00:11
/// 27.11.2002 00:17   "     233                00:20
/// 27.11.2002 00:17   "     223                01:10
/// 27.11.2002 00:17   "                        00:12  H
/// 27.11.2002 00:19  801    223   12:14 AM     01:26  O S-E               429320
/// 27.11.2002 00:03 MSG  5 MINOR ALARM TRUNK FAULT          1 1 1
/// 27.11.2002 00:03 06:58 NOV 26,2002
/// ```
///
/// | cols (0-based) | field |
/// |---|---|
/// | 0-15 | the logger's date and time `dd.mm.yyyy hh:mm` (when the line was received) |
/// | 18-20 | trunk (3 digits), or a ditto mark `"` at 19 on a leg line |
/// | 25-27 | extension (blank on the opening line of a call with legs) |
/// | 31-38 | START `hh:mm AM`/`PM` (PBX clock) |
/// | 44-48 | duration `mm:ss` |
/// | 51 | type: `I` incoming (no number; a final `mm:ss`), `O` outgoing (dialled number), `D` (no extension, no number: meaning unknown, direction null) |
/// | 53-55 | `S-E` (on every line; meaning unknown: kept as `indicator`) |
/// | 73- | dialled number |
/// | 90-94 | on `I` lines, `mm:ss`: read as ring time (`ring_s`): 3-19 s in the capture, the time before answer |
///
/// **Start, not end.** The printed time is the start: the logger's stamp (when the PBX printed the
/// record, i.e. at the end of the call) is start + duration + 2.5-4 minutes on all 38 records,
/// whereas it is start + 3 to 28 minutes if read as the end (the 24:27 call starting 07:57 AM is
/// logged 08:25). The PBX clock runs about three minutes behind the logger.
///
/// **Date.** The PBX prints no date on a record; it comes from the logger's prefix: the day that
/// puts the PBX start within 12 hours of the logger's stamp (a call started at 11:58 PM and logged
/// at 00:03 belongs to the day before). The PBX's own clock lines (`06:58 NOV 26,2002` logged on
/// 27.11.2002 00:03) disagree with both and are not used.
///
/// **Legs.** An opening line with a blank extension is followed by leg lines (`"` in the trunk
/// column), each with an extension and its part of the duration (the parts add up to the call's
/// duration within a second), and often an `H` line: time on hold (`hold_s`, flag `hold`). Each
/// party gets its own record, so that each is charged its own part: the opening line is folded
/// into the first leg's record (raw lines joined with "\n"; the whole call's duration kept as
/// `call_duration_s`), each further leg is a record of its own (a leg starts when the one before
/// it ended, derived from the durations; flag `transfer`: the call passed to that party). An `H`
/// line is the call's, not a party's (the line does not say who held, and in the capture a 40 s
/// hold follows a 1 s last leg): it is folded into the record holding the opening line, with the
/// call's other facts (`ring_s`, `call_duration_s`), so its raw lines need not be consecutive. The records of one call share a `call_id`
/// (`<trunk>@<logger stamp of the opening line>`, made up: the PBX prints none) and all but the
/// last have `continuation` set. `answered` stays null: no line says so.
///
/// `MSG n … ALARM …`, `MSG n DIAGNOSTIC …`, the PBX clock line after them and the empty line
/// closing the message are `.alarm` skips.
public enum TelradFormat: SMDRFormat {
    public static let id = "telrad"
    public static let title = "Telrad SMDR behind a logger's dd.mm.yyyy hh:mm stamp (trunk, ext, start AM/PM, mm:ss, I/O/D, legs)"

    /// Whether the line starts with the logger's `dd.mm.yyyy hh:mm` stamp.
    static func stamped(_ t: ByteText) -> Bool {
        t.matches("99.99.9999 99:99", at: 0) && t[16].isBlank
    }

    /// `hh:mm MON dd,yyyy`: the PBX clock line printed with a system message.
    static func isClockLine(_ t: ByteText, _ tok: [Range<Int>]) -> Bool {
        guard tok.count == 3 else { return false }
        let a = tok[0], b = tok[1], c = tok[2]
        return (t.matches("99:99", at: a.lowerBound) && a.count == 5) && b.count == 3 && t[b.lowerBound].isUpperLetter
            && (t.matches("99,9999", at: c.lowerBound) || t.matches("9,9999", at: c.lowerBound))
    }

    static func isTime(_ t: ByteText, _ r: Range<Int>) -> Bool {
        (r.count == 5 && t.matches("99:99", at: r.lowerBound)) || (r.count == 4 && t.matches("9:99", at: r.lowerBound))
    }

    static func isDigits(_ t: ByteText, _ r: Range<Int>) -> Bool {
        t.slice(r.lowerBound, r.upperBound).allDigits
    }

    public static func claim(_ lines: [String]) -> Int {
        FormatDetector.share(lines, base: 40) { l in
            let t = ByteText(l)
            guard stamped(t) else { return false }
            let tok = t.tokens().dropFirst(2)
            guard let first = tok.first else { return false }
            let s = t.slice(first.lowerBound, first.upperBound)
            if s.count == 1 && s.first == UInt8(ascii: "\"") { return true }
            if s.elementsEqual("MSG".utf8) { return true }
            guard s.count == 3, s.allDigits else { return false }
            // trunk [ext] hh:mm AM|PM mm:ss type
            for r in tok.dropFirst().prefix(2) where isTime(t, r) {
                let next = t.string(r.upperBound + 1, r.upperBound + 3) ?? ""
                return next == "AM" || next == "PM"
            }
            return false
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        /// The records of the call being read (the opening line, then its legs).
        var group: [CallRecord] = []
        /// The opening line had no extension and was folded into the first leg.
        var merged = false
        var stamp = ""
        var inMessage = false

        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        var holding: Bool { !group.isEmpty }

        mutating func finish(into out: inout [ParseEvent]) { release(into: &out) }

        mutating func release(into out: inout [ParseEvent]) {
            guard !group.isEmpty else { return }
            if group.count > 1 {
                let callID = "\(group[0].trunk ?? "")@\(stamp)"
                for k in group.indices {
                    group[k].callID = callID
                    group[k].continuation = k < group.count - 1
                }
            }
            for r in group { if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) } }
            group = []
            merged = false
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard TelradFormat.stamped(t) else {
                release(into: &out)
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("a Telrad line starts with the logger's stamp dd.mm.yyyy hh:mm", format: id))
            }
            let all = t.tokens()
            let tok = Array(all.dropFirst(2))
            guard let first = tok.first else {
                release(into: &out)
                if inMessage {
                    inMessage = false
                    return out.append(line.skip(.alarm, "empty line closing a PBX system message"))
                }
                return out.append(line.skip(.blank, "the logger's time stamp on an empty PBX line"))
            }
            let head = t.string(first)
            if head == "\"" { return leg(line, t, tok, into: &out) }
            release(into: &out)
            if head == "MSG" {
                inMessage = true
                return out.append(line.skip(.alarm, "PBX system message (alarm or diagnostic)"))
            }
            if TelradFormat.isClockLine(t, tok) {
                return out.append(line.skip(.alarm, "PBX clock line printed with a system message"))
            }
            inMessage = false
            guard first.count == 3, TelradFormat.isDigits(t, first) else {
                return out.append(line.reject("a Telrad record starts with a 3-digit trunk (or a ditto mark \" on a leg line)", format: id))
            }
            record(line, t, tok, into: &out)
        }

        /// The logger's stamp, and the day that puts the PBX's time of day within 12 hours of it.
        func times(_ t: ByteText, hour: Int, minute: Int) -> CivilDateTime? {
            guard let logged = CivilDateTime(year: t.number(6, 4)!, month: t.number(3, 2)!, day: t.number(0, 2)!, hour: t.number(11, 2)!, minute: t.number(14, 2)!),
                var start = CivilDateTime(year: logged.year, month: logged.month, day: logged.day, hour: hour, minute: minute)
            else { return nil }
            let gap = start.secondsAsUTC - logged.secondsAsUTC
            if gap > 43_200 { start = start.adding(days: -1) } else if gap < -43_200 { start = start.adding(days: 1) }
            return start
        }

        mutating func record(_ line: FramedLine, _ t: ByteText, _ tok: [Range<Int>], into out: inout [ParseEvent]) {
            var k = 1
            var ext: String?
            if k < tok.count, TelradFormat.isDigits(t, tok[k]), !TelradFormat.isTime(t, tok[k]) {
                ext = t.string(tok[k])
                k += 1
            }
            guard k < tok.count, TelradFormat.isTime(t, tok[k]) else {
                return out.append(line.reject("start time hh:mm AM/PM expected after the trunk and extension", format: id))
            }
            let time = tok[k]
            var hour = t.number(time.lowerBound, time.count - 3)!
            let minute = t.number(time.upperBound - 2, 2)!
            k += 1
            if k < tok.count, case let ampm = t.string(tok[k]), ampm == "AM" || ampm == "PM" {
                guard (1...12).contains(hour) else { return out.append(line.reject("12-hour start time out of range", format: id)) }
                hour = hour % 12 + (ampm == "PM" ? 12 : 0)
                k += 1
            }
            guard k < tok.count, let duration = t.slice(tok[k].lowerBound, tok[k].upperBound).clockSeconds else {
                return out.append(line.reject("duration mm:ss expected after the start time", format: id))
            }
            k += 1
            guard k < tok.count, tok[k].count == 1, t[tok[k].lowerBound].isUpperLetter else {
                return out.append(line.reject("call type (I, O, D) expected after the duration", format: id))
            }
            let type = t.string(tok[k])
            k += 1
            var indicator: String?
            var dialled: String?
            var ring: Int?
            while k < tok.count {
                let r = tok[k]
                let s = t.slice(r.lowerBound, r.upperBound)
                if ring == nil, TelradFormat.isTime(t, r) || s.clockSeconds != nil && s.contains(UInt8(ascii: ":")) {
                    ring = s.clockSeconds
                } else if indicator == nil, dialled == nil, s.contains(UInt8(ascii: "-")), s.allSatisfy({ $0.isUpperLetter || $0 == UInt8(ascii: "-") }) {
                    indicator = s.decoded
                } else if dialled == nil, ring == nil, s.allSatisfy({ $0.isDigit || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "#") }) {
                    dialled = s.decoded
                } else {
                    return out.append(line.reject("unexpected '\(s.decoded)' after the call type", format: id))
                }
                k += 1
            }
            guard let civil = times(t, hour: hour, minute: minute) else {
                return out.append(line.reject("invalid logger date dd.mm.yyyy hh:mm or start time", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.trunk = t.string(tok[0])
            r.extension_ = ext
            r.durationSeconds = duration
            r.ringSeconds = ring
            switch type {
            case "I": r.direction = .incoming
            case "O": r.direction = .outgoing
            default: break
            }
            r.dialed = dialled
            r.number = dialled?.phoneDigits
            r.setExtra("call_type", type)
            r.setExtra("indicator", indicator)
            r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)
            group = [r]
            merged = false
            stamp = "\(t.slice(6, 10).decoded)-\(t.slice(3, 5).decoded)-\(t.slice(0, 2).decoded)T\(t.slice(11, 16).decoded)"
        }

        /// A `"` line: a party's part of the call above, or its time on hold (`H`).
        mutating func leg(_ line: FramedLine, _ t: ByteText, _ tok: [Range<Int>], into out: inout [ParseEvent]) {
            guard !group.isEmpty else {
                return out.append(line.reject("a leg line (\") with no call record before it (its opening line was not received)", format: id))
            }
            var k = 1
            var ext: String?
            if k < tok.count, TelradFormat.isDigits(t, tok[k]) {
                ext = t.string(tok[k])
                k += 1
            }
            guard k < tok.count, let seconds = t.slice(tok[k].lowerBound, tok[k].upperBound).clockSeconds else {
                return out.append(line.reject("a leg line carries [extension] mm:ss", format: id))
            }
            k += 1
            let hold = k < tok.count && t.string(tok[k]) == "H"
            if hold { k += 1 }
            guard k == tok.count else {
                return out.append(line.reject("unexpected text on a leg line: [extension] mm:ss [H] expected", format: id))
            }
            let raw = line.bytes.decoded
            if hold {
                guard ext == nil else { return out.append(line.reject("a hold (H) line with an extension: not seen before, cannot tell whose it is", format: id)) }
                // The call's hold time: kept with the call's other facts on the record holding the
                // opening line (the line does not say which party held; after a 1 s last leg it can
                // be 40 s, so it is not the last party's).
                group[0].raw += "\n" + raw
                group[0].holdSeconds = (group[0].holdSeconds ?? 0) + seconds
                group[0].flags.insert(.hold)
                return
            }
            guard let ext else { return out.append(line.reject("a leg line with neither an extension nor H", format: id)) }
            let opening = group[0]
            if group.count == 1 && !merged && opening.extension_ == nil {
                // The opening line becomes the first party's record.
                merged = true
                group[0].raw += "\n" + raw
                group[0].extension_ = ext
                group[0].setExtra("call_duration_s", .int(opening.durationSeconds ?? 0))
                group[0].durationSeconds = seconds
                group[0].setTimes(start: opening.start, end: nil, elapsed: seconds, zone: calendar.clock)
                return
            }
            var r = CallRecord(format: id, raw: raw, line: line.number, offset: line.offset)
            r.trunk = opening.trunk
            r.extension_ = ext
            r.direction = opening.direction
            r.dialed = opening.dialed
            r.number = opening.number
            r.durationSeconds = seconds
            r.flags.insert(.transfer)
            r.setExtra("call_type", opening.extra("call_type"))
            r.setExtra("indicator", opening.extra("indicator"))
            r.setTimes(start: group[group.count - 1].end, end: nil, elapsed: seconds, zone: calendar.clock)
            group.append(r)
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            ["27.11.2002 00:19  801    223   12:14 AM     01:26  O S-E               429320"],
            [
                "start": "\"2002-11-27T00:14:00+01:00\"", "end": "\"2002-11-27T00:15:26+01:00\"", "duration_s": "86",
                "direction": "\"outgoing\"", "trunk": "\"801\"", "extension": "\"223\"", "number": "\"429320\"", "call_type": "\"O\"",
                "answered": "null",
            ]),
        FormatVector(
            [
                "27.11.2002 00:17  802          12:13 AM     01:29  I S-E                                  00:11",
                "27.11.2002 00:17   \"     233                00:20  ",
                "27.11.2002 00:17   \"     223                01:10  ",
                "27.11.2002 00:17   \"                        00:12  H  ",
            ], record: 0,
            [
                "extension": "\"233\"", "duration_s": "20", "ring_s": "11", "hold_s": "12", "flags": "[\"hold\"]", "direction": "\"incoming\"", "call_duration_s": "89",
                "call_id": "\"802@2002-11-27T00:17\"", "continuation": "true", "start": "\"2002-11-27T00:13:00+01:00\"",
            ]),
        FormatVector(
            [
                "27.11.2002 00:17  802          12:13 AM     01:29  I S-E                                  00:11",
                "27.11.2002 00:17   \"     233                00:20  ",
                "27.11.2002 00:17   \"     223                01:10  ",
                "27.11.2002 00:17   \"                        00:12  H  ",
            ], record: 1,
            [
                "extension": "\"223\"", "duration_s": "70", "hold_s": "null", "start": "\"2002-11-27T00:13:20+01:00\"", "continuation": "false",
                "call_id": "\"802@2002-11-27T00:17\"", "flags": "[\"transfer\"]",
            ]),
        FormatVector(
            ["28.11.2002 00:03  801    223   11:58 PM     01:00  O S-E               429320"],
            ["start": "\"2002-11-27T23:58:00+01:00\""]),
    ]
}
