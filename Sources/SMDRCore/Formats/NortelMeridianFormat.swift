/// Nortel Meridian 1 / CS1000 CDR on the TTY port: a record type letter, then blank-separated fields.
///
/// Source: NTP 553-2631-100 (contents), a forum thread with real records;
/// `shared/reference/formats/nortel-meridian.md`. Columns are not reliable in published records,
/// so the line is read by tokens:
///
/// `TYPE RECNO CUST ORIGID TERMID MM/DD HH:MM HH:MM:SS [A] DIGITS`
///
/// - TYPE: `N` normal, `S` start of a transferred call, `X` intermediate transfer, `E` end of a
///   transfer (the final party), `B` abandoned, `A` authorization, `C` charge account, `Q` ACD.
/// - ORIGID / TERMID: an extension (DN) or a trunk `Txxx yyy` (route xxx, member yyy). A trunk
///   as originator = incoming; as terminator = outgoing.
/// - The S, X and E records of one call share the trunk and the digits; `continuation` is true on
///   S and X. The time is read as the start of the segment (it orders the published records).
/// - No year: `--year` or the receive date supplies it.
public enum NortelMeridianFormat: SMDRFormat {
    public static let id = "nortel-meridian"
    public static let title = "Nortel Meridian 1 / CS1000 CDR (TTY; N, S/X/E transfer records)"

    static let types: Set<String> = ["N", "S", "E", "X", "B", "A", "C", "Q", "L", "D", "R", "M", "I", "T"]

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 50) { l in
            let parts = l.split(separator: " ")
            guard parts.count >= 8, types.contains(String(parts[0])), parts[1].count == 3, parts[1].allSatisfy(\.isNumber) else { return false }
            return parts.contains { ByteText(String($0)).matches("99:99:99", at: 0) } && parts.contains { $0.count == 5 && ByteText(String($0)).matches("99/99", at: 0) }
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            let tokens = t.tokens().map { t.string($0) }
            guard tokens.count >= 8, NortelMeridianFormat.types.contains(tokens[0]) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("a Meridian CDR record starts with its type letter (N, S, X, E, B…) and record number", format: id))
            }
            var i = 3
            func party() -> (String, Bool)? {
                guard i < tokens.count else { return nil }
                let tok = tokens[i]
                i += 1
                if tok.hasPrefix("T"), tok.dropFirst().allSatisfy(\.isNumber), i < tokens.count, tokens[i].allSatisfy(\.isNumber), tokens[i].count == 3,
                    !ByteText(tokens[i]).matches("99/99", at: 0)
                {
                    i += 1
                    return (tok + " " + tokens[i - 1], true)
                }
                return (tok, false)
            }
            guard let orig = party(), let term = party(), i + 2 < tokens.count else {
                return out.append(line.reject("originating and terminating IDs not found", format: id))
            }
            let dateTok = ByteText(tokens[i]), timeTok = ByteText(tokens[i + 1])
            guard dateTok.matches("99/99", at: 0), timeTok.matches("99:99", at: 0), let duration = ArraySlice(tokens[i + 2].utf8).clockSeconds else {
                return out.append(line.reject("expected MM/DD HH:MM HH:MM:SS after the IDs, found '\(tokens[i...].prefix(3).joined(separator: " "))'", format: id))
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
            r.answered = type == "B" ? false : duration > 0
            r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)
            r.setExtra("record_type", type)
            r.setExtra("record_number", tokens[1])
            r.setExtra("customer", tokens[2])
            r.setExtra("originating_id", orig.0)
            r.setExtra("terminating_id", term.0)
            out.append(.record(r))
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
    ]
}
