/// TEMPLATE for a new PBX format (like gpsd's `driver_proto.c` and NUT's `skel.c`).
///
/// To add a format:
/// 1. Copy this file to `Formats/<Vendor><Model>Format.swift` and rename `TemplateFormat`.
/// 2. Write the column table in the doc comment: source (manual, capture), trust, columns with
///    1-based positions as the manual prints them, and what each code means.
/// 3. `id`: lower-case, stable (it is written into every record and used by `--format`).
/// 4. `claim`: look at the first lines and say how sure you are (0-100). Recognise the page
///    header when the PBX prints one; score record lines by shape. Stay at 0 for anything else, so
///    that `--format auto` never picks you for another PBX's stream.
/// 5. `Parser.parse`: one line in, `.record`, `.skip` (headers, rules, non-call lines) or
///    `.reject` with a reason a person can act on. Never crash, never drop a line silently, never
///    guess a fact the PBX did not print (leave it nil). Use ``ByteText`` (or ``RawText`` in hot
///    paths) for columns, ``ZoneClock`` for times, ``YearResolver`` when the PBX prints no year.
/// 6. `vectors`: lines with the fields they must give; the test suite checks every format's vectors.
/// 7. Register the type in ``FormatRegistry/builtIn``.
/// 8. Add a golden capture `Samples/<family>/<model>.smdr` with its `# Key: value` metadata header
///    (Model, Firmware, Port, Origin, Quirks, Format, Timezone[, Year, Date-Order]), then record
///    its expected output once with `SMDR_RECORD_GOLDEN=1 swift test --filter goldenSample` and read
///    every field of it before committing `Tests/Golden/<family>/<model>.jsonl`.
///
/// This template compiles (so it stays correct) but is not registered.
enum TemplateFormat: SMDRFormat {
    static let id = "template"
    static let title = "Template: HH:MM EXT NUMBER SECONDS"

    static func claim(_ lines: [String]) -> Int {
        let hits = lines.filter { ByteText($0).matches("99:99 ", at: 0) }.count
        return hits == 0 ? 0 : 50 * hits / lines.count
    }

    static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard t.matches("99:99 ", at: 0) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("a template record starts with HH:MM", format: id))
            }
            let tokens = t.tokens()
            guard tokens.count == 4, let seconds = Int(t.string(tokens[3])) else {
                return out.append(line.reject("expected HH:MM EXT NUMBER SECONDS", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.extension_ = t.string(tokens[1])
            r.dialed = t.string(tokens[2])
            r.number = r.dialed?.phoneDigits
            r.direction = .outgoing
            r.durationSeconds = seconds
            r.answered = seconds > 0
            // This layout prints no date: a real format would take it from the PBX (or leave it nil).
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    static let vectors: [FormatVector] = [
        FormatVector(["09:12 201 0142681234 160"], ["extension": "\"201\"", "number": "\"0142681234\"", "duration_s": "160", "start": "null"])
    ]
}
