/// Multicom / Maxicom (A416, A632, C1248, G1260, BS-24100, Maxicom MP80, MXM300) call report:
/// a Russian title and heading, then one line per call.
///
/// Source: captures only (`shared/field/multicom/*.smdr`, six models, 2001-2002) and the notes in
/// `shared/reference/formats/field-families.md` ("Multicom"). No vendor documentation: the layout
/// is read from the report's own heading and the data. Trust: medium.
///
/// ```
///        Данные на  05-12-2002 16:22:21                                 <- title: "data as of" (report time)
///        Начало         Продолжит   Абонент      СЛ     Номер            <- heading
/// 27-11-2002 10:44:18   00:10:54      31          4     621900           (A416/A632)
/// 03-08-2001  15:43:36   00:05:12   245( 554)   (0) 3    823130082       (BS-24100, G1260)
/// 16-10-2002 17:02:52   00:01:08   246( 101)     04     80957273038      (C1248, MP80, MXM300)
/// ```
///
/// | field (heading) | read as |
/// |---|---|
/// | `dd-mm-yyyy hh:mm:ss` (`Начало`, "start") | the call's START (the heading says so; records are printed in order of their END: a416 line 9 starts 10:53:18, after a call starting 10:57:24, and ends 10:59:06, after it) |
/// | `hh:mm:ss` (`Продолжит[ельность]`, "duration") | duration |
/// | `Абонент` ("subscriber") | extension; on most models followed by a bracketed second number, `245( 554)`, `201(    )` when empty: kept as `subscriber_code` |
/// | `СЛ` (соединительная линия, "trunk") | trunk as printed: `4`, `04`, `236`, or `(0) 3` on BS-24100/G1260 |
/// | `Номер` ("number") | the number; empty on some records (32 of 98 in MP80) |
///
/// The bracketed number's meaning is undocumented. It is not a port: in the MP80 capture extension
/// 293 shows `( 104)` then `( 103)` on the same day and `( 147)` appears on 214 and later on 204,
/// so it follows a person rather than a line (a personal or account code, probably), and G1260's
/// equal `ext - 100` (`213( 113)`). It is kept as printed in the extra field `subscriber_code`,
/// not claimed as an account or authorisation code.
///
/// No incoming marker exists and nothing in the data proves a direction (an empty number could be
/// an incoming call without CLI, or a line seized and dropped): `direction` and `answered` stay
/// null. Text is CP866, or CP1251 (BS-24100, G1260); the title and heading are recognised by the
/// bytes of `Данные`, `Начало`, `Абонент`, `Номер` in CP866, CP1251 or UTF-8.
public enum MulticomFormat: SMDRFormat {
    public static let id = "multicom"
    public static let title = "Multicom / Maxicom call report (Данные на …, dd-mm-yyyy start, duration, subscriber, trunk, number)"

    // "Данные" (title) and heading words, in CP866, CP1251 and UTF-8.
    static let titleWords: [[UInt8]] = [
        [0x84, 0xA0, 0xAD, 0xAD, 0xEB, 0xA5], [0xC4, 0xE0, 0xED, 0xED, 0xFB, 0xE5],
        [0xD0, 0x94, 0xD0, 0xB0, 0xD0, 0xBD, 0xD0, 0xBD, 0xD1, 0x8B, 0xD0, 0xB5],
    ]
    static let headingWords: [[UInt8]] = [
        // Начало
        [0x8D, 0xA0, 0xE7, 0xA0, 0xAB, 0xAE], [0xCD, 0xE0, 0xF7, 0xE0, 0xEB, 0xEE],
        [0xD0, 0x9D, 0xD0, 0xB0, 0xD1, 0x87, 0xD0, 0xB0, 0xD0, 0xBB, 0xD0, 0xBE],
        // Абонент
        [0x80, 0xA1, 0xAE, 0xAD, 0xA5, 0xAD, 0xE2], [0xC0, 0xE1, 0xEE, 0xED, 0xE5, 0xED, 0xF2],
        [0xD0, 0x90, 0xD0, 0xB1, 0xD0, 0xBE, 0xD0, 0xBD, 0xD0, 0xB5, 0xD0, 0xBD, 0xD1, 0x82],
        // Номер
        [0x8D, 0xAE, 0xAC, 0xA5, 0xE0], [0xCD, 0xEE, 0xEC, 0xE5, 0xF0],
        [0xD0, 0x9D, 0xD0, 0xBE, 0xD0, 0xBC, 0xD0, 0xB5, 0xD1, 0x80],
    ]

    static func contains(_ t: ByteText, _ words: [[UInt8]]) -> Bool {
        let n = t.count
        for w in words where w.count <= n {
            var i = 0
            while i + w.count <= n {
                if t[i] == w[0] {
                    var k = 1
                    while k < w.count && t[i + k] == w[k] { k += 1 }
                    if k == w.count { return true }
                }
                i += 1
            }
        }
        return false
    }

    /// `dd-mm-yyyy` (or `dd.mm.yyyy`) at column 0, then blanks, `hh:mm:ss`, blanks, a duration:
    /// the column where the duration starts.
    static func recordShape(_ t: ByteText) -> (time: Int, duration: Int)? {
        guard t.matches("99?99?9999 ", at: 0), t[2] == t[5], t[2] == UInt8(ascii: "-") || t[2] == UInt8(ascii: ".") else { return nil }
        var i = 10
        while i < t.count && t[i].isBlank { i += 1 }
        guard i > 10, t.matches("99:99:99", at: i), t[i + 8].isBlank else { return nil }
        let time = i
        i += 8
        while i < t.count && t[i].isBlank { i += 1 }
        guard t.matches("9:99:99", at: i) || t.matches("99:99:99", at: i) else { return nil }
        return (time, i)
    }

    /// Bytes of a decoded line: Latin-1 text back to its bytes (the framer's reading of 8-bit text).
    static func latin1(_ s: String) -> ByteText {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars { out.append(UInt8(truncatingIfNeeded: u.value)) }
        return ByteText(ArraySlice(out))
    }

    public static func claim(_ lines: [String]) -> Int {
        var header = 0
        var records = 0
        for l in lines {
            let t = ByteText(l)
            if recordShape(t) != nil {
                records += 1
                continue
            }
            guard l.utf8.count < 200 else { continue }
            let b = latin1(l)
            if contains(b, titleWords) || contains(t, titleWords) {
                header += 1
            } else if contains(b, headingWords) || contains(t, headingWords) {
                header += 1
            }
        }
        guard records > 0 || header > 0 else { return 0 }
        return min(95, 30 + 20 * min(header, 2) + 50 * records / max(1, lines.count))
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        init(_ options: ParseOptions) { calendar = PBXCalendar(options) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard let shape = MulticomFormat.recordShape(t) else {
                if MulticomFormat.contains(t, MulticomFormat.titleWords) {
                    return out.append(line.skip(.pageHeader, "report title: data as of the printed date and time"))
                }
                if MulticomFormat.contains(t, MulticomFormat.headingWords) { return out.append(line.skip(.columnHeader)) }
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("a Multicom record starts with dd-mm-yyyy hh:mm:ss hh:mm:ss (date, start, duration)", format: id))
            }
            guard
                let civil = CivilDateTime(
                    year: t.number(6, 4)!, month: t.number(3, 2)!, day: t.number(0, 2)!,
                    hour: t.number(shape.time, 2)!, minute: t.number(shape.time + 3, 2)!, second: t.number(shape.time + 6, 2)!)
            else { return out.append(line.reject("invalid date or start time (dd-mm-yyyy hh:mm:ss)", format: id)) }
            var i = shape.duration
            while i < t.count && !t[i].isBlank { i += 1 }
            guard let duration = t.slice(shape.duration, i).clockSeconds else {
                return out.append(line.reject("invalid duration (hh:mm:ss expected after the start time)", format: id))
            }
            // Subscriber: digits, optionally `( nnn)`.
            func skipBlanks() { while i < t.count && t[i].isBlank { i += 1 } }
            func digits() -> String? {
                let from = i
                while i < t.count && t[i].isDigit { i += 1 }
                return i > from ? t.string(from..<i) : nil
            }
            skipBlanks()
            guard let ext = digits() else {
                return out.append(line.reject("no subscriber (extension) number after the duration", format: id))
            }
            var code: String?
            if t[i] == UInt8(ascii: "(") {
                i += 1
                skipBlanks()
                code = digits()
                skipBlanks()
                guard t[i] == UInt8(ascii: ")") else {
                    return out.append(line.reject("subscriber's bracketed number is not closed: `ext( nnn)` expected", format: id))
                }
                i += 1
            }
            guard i >= t.count || t[i].isBlank else {
                return out.append(line.reject("unexpected text after the subscriber number", format: id))
            }
            // Trunk: digits, or `(g) n`.
            skipBlanks()
            var trunk: String?
            if t[i] == UInt8(ascii: "(") {
                i += 1
                let group = digits()
                guard let group, t[i] == UInt8(ascii: ")") else {
                    return out.append(line.reject("trunk `(g) n` expected after the subscriber", format: id))
                }
                i += 1
                skipBlanks()
                guard let n = digits() else { return out.append(line.reject("trunk `(g) n` expected after the subscriber", format: id)) }
                trunk = "(\(group)) \(n)"
            } else {
                trunk = digits()
            }
            guard let trunk, i >= t.count || t[i].isBlank else {
                return out.append(line.reject("no trunk (СЛ) number after the subscriber", format: id))
            }
            skipBlanks()
            let rest = t.field(i, t.count)
            var dialled: String?
            if !rest.isEmpty {
                guard rest.allSatisfy({ $0.isDigit || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "+") }) else {
                    return out.append(line.reject("the number (Номер) holds more than digits", format: id))
                }
                dialled = rest.decoded
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.extension_ = ext
            r.trunk = trunk
            r.dialed = dialled
            r.number = dialled?.phoneDigits
            r.durationSeconds = duration
            r.setExtra("subscriber_code", code)
            r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            ["27-11-2002 10:44:18   00:10:54      31          4     621900            "],
            [
                "start": "\"2002-11-27T10:44:18+01:00\"", "end": "\"2002-11-27T10:55:12+01:00\"", "duration_s": "654",
                "extension": "\"31\"", "trunk": "\"4\"", "number": "\"621900\"", "direction": "null", "answered": "null",
            ]),
        FormatVector(
            ["03-08-2001  15:43:36   00:05:12   245( 554)   (0) 3    823130082 "],
            ["extension": "\"245\"", "subscriber_code": "\"554\"", "trunk": "\"(0) 3\"", "number": "\"823130082\"", "duration_s": "312"]),
        FormatVector(
            ["04-11-2002 13:44:44   00:02:28   223( 102)     22     "],
            ["extension": "\"223\"", "trunk": "\"22\"", "number": "null", "dialed": "null", "direction": "null"]),
        FormatVector(
            ["03-08-2001  15:18:08   00:02:32   201(    )   (0) 1    823860065 "],
            ["extension": "\"201\"", "trunk": "\"(0) 1\"", "start": "\"2001-08-03T15:18:08+02:00\""]),
    ]
}
