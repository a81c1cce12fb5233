/// Nortel Meridian 1 / CS1000 CDR on the TTY port: a record type letter, then blank-separated fields.
///
/// Source: NTP 553-2631-100 (contents), a forum thread with real records;
/// `shared/reference/formats/nortel-meridian.md`. Columns are not reliable in published records,
/// so the line is read by tokens:
///
/// `TYPE RECNO CUST ORIGID TERMID MM/DD HH:MM HH:MM:SS[.t] [A] DIGITS`
///
/// - TYPE: `N` normal, `S` start of a transferred call, `X` intermediate transfer, `E` end of a
///   transfer (the final party), `B` abandoned, `A` authorization, `C` charge account, `Q` ACD.
/// - ORIGID / TERMID: an extension (DN) or a route member, written `Txxx yyy` or `Txxxyyy` (route
///   xxx, member yyy); `Axxx yyy` / `Axxxyyy` route ids are read the same way. A route member as
///   originator = incoming; as terminator = outgoing; both = tandem.
/// - Duration `HH:MM:SS` or, on sites whose CDR prints tenths, `HH:MM:SS.t`: `duration_s` is the
///   whole seconds printed (the tenth is dropped, not rounded).
/// - A line that starts with `&` continues the record before it (the second line of the
///   multi-line CDR layouts): it is folded into that record's `raw` (joined with "\n"), so a record
///   is released when the next line arrives (or at the end of input). The `&` line's fields are
///   not interpreted (no layout for them is available).
/// - `B` (abandoned; Release 18 on: an unanswered incoming trunk call with ABAN=YES, or an internal
///   call with the ABDA class): `answered` false; the printed duration is the time the caller
///   waited before hanging up, so it is `ring_s`, and `duration_s` is 0 (no conversation).
/// - The S, X and E records of one call share the trunk and the digits; `continuation` is true on
///   S and X.
/// - START or END: the printed time is read as the **start** of the segment. Evidence: record
///   numbers follow output order (the end of each call), and the published records give
///   `S 025` at 07:47 (20 s) then `N 027` at 07:46 (72 s): read as end times, N would have ended
///   before S yet been printed after it; read as start times, N (07:46 + 72 s) ends after S.
/// - A NUL byte inside a record is TTY fill: the framer must drop it (see the lead's framer).
/// - No year: `--year` or the receive date supplies it.
public enum NortelMeridianFormat: SMDRFormat {
    public static let id = "nortel-meridian"
    /// The TTY output pads with NUL bytes, inside records too: they are fill, not line ends.
    public static let nulIsFill = true
    public static let title = "Nortel Meridian 1 / CS1000 CDR (TTY; N, S/X/E transfer, B abandoned, & continuation)"
    /// A transfer prints S, X… and E records.
    public static let linking = CallLinking.markers

    static let types: Set<String> = ["N", "S", "E", "X", "B", "A", "C", "Q", "L", "D", "R", "M", "I", "T"]

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 50) { l in
            let parts = l.split(separator: " ")
            guard parts.count >= 8, types.contains(String(parts[0])), parts[1].count == 3, parts[1].allSatisfy(\.isNumber) else { return false }
            return parts.contains { ByteText(String($0)).matches("99:99:99", at: 0) } && parts.contains { $0.count == 5 && ByteText(String($0)).matches("99/99", at: 0) }
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    /// `HH:MM:SS` or `HH:MM:SS.t` as whole seconds.
    static func duration(_ s: String) -> Int? {
        let t = ByteText(s)
        if t.count == 10, t.matches("99:99:99.9", at: 0) { return t.slice(0, 8).clockSeconds }
        guard t.count == 8, t.matches("99:99:99", at: 0) else { return nil }
        return t.bytes.clockSeconds
    }

    /// A route id letter (`T` trunk, `A`) followed by digits only.
    static func isRouteLetter(_ tok: String) -> Bool {
        guard let f = tok.utf8.first, f == UInt8(ascii: "T") || f == UInt8(ascii: "A"), tok.utf8.count > 1 else { return false }
        return tok.utf8.dropFirst().allSatisfy(\.isDigit)
    }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        var held: CallRecord?
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        var holding: Bool { held != nil }
        mutating func finish(into out: inout [ParseEvent]) { release(into: &out) }
        mutating func release(into out: inout [ParseEvent]) {
            if let h = held { if h.isReadable { out.append(.record(h)) } else { out.append(h.notACall()) } }
            held = nil
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            let trimmed = t.trimmed
            if trimmed.first == UInt8(ascii: "&") {
                guard held != nil else { return out.append(line.skip(.continuation, "& line whose record was already released (or rejected)")) }
                held!.raw += "\n" + line.bytes.decoded
                return
            }
            release(into: &out)
            let tokens = t.tokens().map { t.string($0) }
            guard tokens.count >= 8, NortelMeridianFormat.types.contains(tokens[0]) else {
                if !trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("a Meridian CDR record starts with its type letter (N, S, X, E, B…) and record number", format: id))
            }
            var i = 3
            func party() -> (String, Bool)? {
                guard i < tokens.count else { return nil }
                let tok = tokens[i]
                i += 1
                guard NortelMeridianFormat.isRouteLetter(tok) else { return (tok, false) }
                if tok.utf8.count == 4, i < tokens.count, tokens[i].utf8.count == 3, tokens[i].utf8.allSatisfy(\.isDigit) {
                    i += 1
                    return (tok + " " + tokens[i - 1], true)
                }
                return (tok, tok.utf8.count == 7)
            }
            guard let orig = party(), let term = party(), i + 2 < tokens.count else {
                return out.append(line.reject("originating and terminating IDs not found", format: id))
            }
            let dateTok = ByteText(tokens[i]), timeTok = ByteText(tokens[i + 1])
            guard dateTok.count == 5, dateTok.matches("99/99", at: 0), timeTok.count == 5, timeTok.matches("99:99", at: 0),
                let duration = NortelMeridianFormat.duration(tokens[i + 2])
            else {
                return out.append(line.reject("expected MM/DD HH:MM HH:MM:SS[.t] after the IDs, found '\(tokens[i...].prefix(3).joined(separator: " "))'", format: id))
            }
            let month = dateTok.number(0, 2)!, day = dateTok.number(3, 2)!
            let year = calendar.years.year(month: month, day: day)
            guard let civil = CivilDateTime(year: year, month: month, day: day, hour: timeTok.number(0, 2)!, minute: timeTok.number(3, 2)!) else {
                return out.append(line.reject("invalid date/time \(tokens[i]) \(tokens[i + 1]) in \(year)", format: id))
            }
            var rest = Array(tokens[(i + 3)...])
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            let type = tokens[0]
            if let first = rest.first, first.count == 1, first.allSatisfy(\.isLetter) {
                r.setExtra("indicator", first)
                rest.removeFirst()
            }
            let digits = rest.first
            r.dialed = digits
            r.number = digits?.phoneDigits
            r.durationSeconds = duration
            if orig.1 && term.1 {
                r.flags.insert(.tandem)
                r.trunk = orig.0
            } else if orig.1 {
                r.direction = .incoming
                r.trunk = orig.0
                r.extension_ = term.0
            } else if term.1 {
                r.direction = .outgoing
                r.trunk = term.0
                r.extension_ = orig.0
            } else {
                r.direction = .internal
                r.extension_ = orig.0
                r.number = term.0.phoneDigits
            }
            switch type {
            case "S", "X":
                r.flags.insert(.transfer)
                r.continuation = true
            case "E": r.flags.insert(.transfer)
            default: break
            }
            if type == "B" {
                r.answered = false
                r.ringSeconds = duration
                r.durationSeconds = 0
            } else {
                r.answered = duration > 0
            }
            r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)
            r.setExtra("record_type", type)
            r.setExtra("record_number", tokens[1])
            r.setExtra("customer", tokens[2])
            r.setExtra("originating_id", orig.0)
            r.setExtra("terminating_id", term.0)
            held = r
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            ["S 025 00 T010 016 6101 05/09 07:47 00:00:20 5566472"], options: .vectorsWith(year: 2026),
            [
                "direction": "\"incoming\"", "trunk": "\"T010 016\"", "extension": "\"6101\"", "number": "\"5566472\"", "duration_s": "20",
                "start": "\"2026-05-09T07:47:00+02:00\"", "continuation": "true", "flags": "[\"transfer\"]",
            ]),
        FormatVector(
            ["N 027 00 2343 T010 011 05/09 07:46 00:01:12 A 19995567563"], options: .vectorsWith(year: 2026),
            ["direction": "\"outgoing\"", "extension": "\"2343\"", "trunk": "\"T010 011\"", "number": "\"19995567563\"", "duration_s": "72", "continuation": "false"]),
        // Tenths of seconds, a compact route id, and an `&` line folded into the record.
        FormatVector(
            ["N 112 00 4021 T005012 11/03 14:02 00:03:06.0 A 0957712345", "& 0000 0000", "N 113 00 A012 003 4030 11/03 14:05 00:00:41.7 4030"],
            options: .vectorsWith(year: 2026),
            [
                "direction": "\"outgoing\"", "trunk": "\"T005012\"", "extension": "\"4021\"", "duration_s": "186", "number": "\"0957712345\"",
                "start": "\"2026-11-03T14:02:00+01:00\"", "end": "\"2026-11-03T14:05:06+01:00\"",
                "raw": "\"N 112 00 4021 T005012 11/03 14:02 00:03:06.0 A 0957712345\\n& 0000 0000\"",
            ]),
        FormatVector(
            ["N 112 00 4021 T005012 11/03 14:02 00:03:06.0 A 0957712345", "& 0000 0000", "N 113 00 A012 003 4030 11/03 14:05 00:00:41.7 4030"],
            record: 1, options: .vectorsWith(year: 2026),
            ["direction": "\"incoming\"", "trunk": "\"A012 003\"", "extension": "\"4030\"", "duration_s": "41"]),
        // Abandoned: the caller hung up after 14 s of ringing.
        FormatVector(
            ["B 044 00 T003 007 2210 11/03 09:15 00:00:14.0"], options: .vectorsWith(year: 2026),
            ["direction": "\"incoming\"", "answered": "false", "ring_s": "14", "duration_s": "0", "extension": "\"2210\"", "number": "null", "record_type": "\"B\""]),
    ]
}
