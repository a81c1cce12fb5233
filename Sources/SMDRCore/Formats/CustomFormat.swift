import Foundation
import Yams

/// A format described in a YAML file, so a site with another PBX adds it without code.
///
/// ```yaml
/// id: acme-2000                    # used by --format and in each record's `format`
/// title: Acme 2000 SMDR
/// claim: '^\d\d/\d\d/\d\d '        # regex every record line matches (for --format auto)
/// skip: {column-header: [^Date], rule: [^-+$]}   # lines that are not records, by kind (or a list: page headers)
/// columns:                         # fixed columns, 1-based and inclusive as manuals write them…
///   date: 1-8
///   time: 10-14
///   extension: 16-20
///   number: 26-45
///   duration: 47-54
/// # pattern: '^(?<date>\S+) (?<time>\S+) …'   # …or a regex with named groups…
/// # separator: ","                            # …or separated values, named by position
/// # fields: [date, time, extension, -, number]
/// date_format: dd/MM/yy            # yyyy yy MM dd (default yyyy-MM-dd)
/// time_format: HH:mm               # HH hh mm ss a (AM/PM) (default HH:mm:ss)
/// time_is: start                   # or end: which end of the call the PBX prints
/// duration_format: clock           # clock (hh:mm:ss, mm:ss, hh:mm'ss), seconds or minutes
/// direction: {incoming: [I, '<I>*'], outgoing: [O], internal: [X]}   # values of the `direction` field ('*' ends a prefix)
/// answered: [Y, "1"]               # values of the `answered` field that mean answered (others: not answered)
/// # answered: {yes: [ANSWERED], no: [NO ANSWER, BUSY, FAILED]}     # or both lists: other values give null
/// datetime_format: MM/dd/yy HH:mm  # a combined `datetime` (or `end_datetime`) field
/// masked: X.                       # characters that mask digits: number null, flag `masked`, dialled kept
/// continuation: '^\s{20,}\S'       # lines that continue the record before them (folded into it)
/// continuation_pattern: '(?<caller_name>\S.*)$'   # named groups read from a continuation line
/// ```
///
/// Field names are the canonical ones (`date`, `time`, `datetime`, `end_date`, `end_time`,
/// `end_datetime`, `duration`, `ring`, `hold`, `park`, `direction`, `answered` (or `disposition`),
/// `extension`, `extension_name`, `trunk`, `number`, `dialed`, `account_code`, `units`, `pbx_cost`,
/// `currency`, `call_id`); any other name becomes an extra field of the record. Unknown keys in the
/// file are errors with their line and column.
public struct CustomFormat: Sendable {
    public struct Spec: Decodable, Sendable {
        var id: String
        var title: String?
        var claim: String?
        var skip: SkipPatterns?
        var columns: [String: String]?
        var pattern: String?
        var separator: String?
        var fields: [String]?
        var date_format: String?
        var time_format: String?
        var time_is: String?
        var duration_format: String?
        var direction: [String: [String]]?
        var answered: AnsweredValues?
        var datetime_format: String?
        var masked: String?
        var continuation: String?
        var continuation_pattern: String?
    }

    /// `skip: [regex, …]` (page headers) or `skip: {column-header: [regex], rule: [regex], …}` by kind.
    struct SkipPatterns: Decodable, Sendable {
        var byKind: [(SkipKind, String)]

        init(from decoder: any Decoder) throws {
            if let list = try? decoder.singleValueContainer().decode([String].self) {
                byKind = list.map { (.pageHeader, $0) }
                return
            }
            let map = try decoder.singleValueContainer().decode([String: [String]].self)
            byKind = []
            for (name, patterns) in map.sorted(by: { $0.key < $1.key }) {
                guard let kind = SkipKind(rawValue: name) else {
                    throw DecodingError.dataCorrupted(
                        .init(codingPath: decoder.codingPath, debugDescription: "unknown kind '\(name)' (one of \(SkipKind.allCases.map(\.rawValue).joined(separator: ", ")))"))
                }
                byKind += patterns.map { (kind, $0) }
            }
        }
    }

    /// `answered: [values]` (anything else: not answered) or `answered: {yes: […], no: […]}` (anything else: null).
    struct AnsweredValues: Decodable, Sendable {
        var yes: [String]
        var no: [String]?

        init(from decoder: any Decoder) throws {
            if let list = try? decoder.singleValueContainer().decode([String].self) {
                yes = list
                no = nil
                return
            }
            let c = try decoder.container(keyedBy: Key.self)
            yes = try c.decode([String].self, forKey: .yes)
            no = try c.decodeIfPresent([String].self, forKey: .no) ?? []
        }
        enum Key: String, CodingKey { case yes, no }

        init(yes: [String], no: [String]?) {
            self.yes = yes
            self.no = no
        }

        func answered(_ value: String) -> Bool? {
            let u = value.uppercased()
            if yes.contains(where: { $0.uppercased() == u }) { return true }
            guard let no else { return false }
            return no.contains(where: { $0.uppercased() == u }) ? false : nil
        }
    }

    enum Layout: Sendable {
        case columns([(name: String, range: ClosedRange<Int>)])
        case pattern(NSRegularExpressionBox, names: [String])
        case separated(separator: UInt8, names: [String])
    }

    public let id: String
    public let title: String
    let spec: Spec
    let layout: Layout
    let claimRegex: NSRegularExpressionBox?
    let skipRegexes: [(kind: SkipKind, regex: NSRegularExpressionBox)]
    let continuationRegex: NSRegularExpressionBox?
    let continuationPattern: (NSRegularExpressionBox, names: [String])?

    public static let canonicalFields: Set<String> = [
        "date", "time", "datetime", "end_date", "end_time", "end_datetime", "duration", "ring", "hold", "park", "direction", "answered",
        "extension", "extension_name", "trunk", "number", "dialed", "account_code", "units", "pbx_cost", "currency", "call_id",
    ]

    /// Reads and checks a YAML description. Errors name the file and the key at fault.
    public static func load(yaml: String, source: String) throws -> CustomFormat {
        let spec: Spec
        // A misspelt key, at any depth, is an error with its place, not a setting silently ignored.
        do {
            spec = try StrictYAML(file: source).decode(Spec.self, from: yaml)
        } catch let e as YAMLProblems {
            throw CustomFormatError(e.description)
        }
        return try CustomFormat(spec: spec, source: source)
    }

    init(spec: Spec, source: String) throws {
        self.spec = spec
        guard !spec.id.isEmpty, spec.id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw CustomFormatError("\(source): key 'id' must be letters, digits, - or _ (got '\(spec.id)')")
        }
        id = spec.id
        title = spec.title ?? "custom format from \(source)"
        /// A pattern whose named groups are renamed `g0`, `g1`… (ICU allows no `_` in group names), and the names in order.
        func named(_ p: String, _ key: String) throws -> (NSRegularExpressionBox, [String]) {
            let names = p.matches(of: /\(\?<([A-Za-z_][A-Za-z0-9_]*)>/).map { String($0.output.1) }
            guard !names.isEmpty else { throw CustomFormatError("\(source): key '\(key)' has no named groups (?<name>…)") }
            var k = 0
            let renamed = p.replacing(/\(\?<([A-Za-z_][A-Za-z0-9_]*)>/) { _ in
                defer { k += 1 }
                return "(?<g\(k)>"
            }
            return (try regex(renamed, key), names)
        }
        func regex(_ p: String, _ key: String) throws -> NSRegularExpressionBox {
            do { return NSRegularExpressionBox(try NSRegularExpression(pattern: p)) } catch {
                throw CustomFormatError("\(source): key '\(key)': invalid regular expression '\(p)'")
            }
        }
        claimRegex = try spec.claim.map { try regex($0, "claim") }
        skipRegexes = try (spec.skip?.byKind ?? []).map { ($0.0, try regex($0.1, "skip")) }
        continuationRegex = try spec.continuation.map { try regex($0, "continuation") }
        if let p = spec.continuation_pattern {
            continuationPattern = try named(p, "continuation_pattern")
        } else {
            continuationPattern = nil
        }
        let layouts = [spec.columns != nil, spec.pattern != nil, spec.fields != nil].filter { $0 }.count
        guard layouts == 1 else {
            throw CustomFormatError("\(source): give exactly one of 'columns', 'pattern' or 'fields' (with 'separator')")
        }
        if let columns = spec.columns {
            var list: [(String, ClosedRange<Int>)] = []
            for (name, text) in columns.sorted(by: { $0.key < $1.key }) {
                let parts = text.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2, let a = parts[0], let b = parts[1], a >= 1, b >= a else {
                    throw CustomFormatError("\(source): key 'columns.\(name)': expected 'FROM-TO' (1-based, inclusive), got '\(text)'")
                }
                list.append((name, a...b))
            }
            layout = .columns(list)
        } else if let pattern = spec.pattern {
            let (r, names) = try named(pattern, "pattern")
            layout = .pattern(r, names: names)
        } else {
            let sep = spec.separator ?? ","
            guard sep.utf8.count == 1 else { throw CustomFormatError("\(source): key 'separator' must be one character") }
            layout = .separated(separator: sep.utf8.first!, names: spec.fields!)
        }
        // A field name one typo away from a canonical one is a mistake, not an extra field.
        let names: [String]
        switch layout {
        case .columns(let list): names = list.map(\.name)
        case .pattern(_, let n): names = n
        case .separated(_, let n): names = n.filter { $0 != "-" }
        }
        for name in names where !CustomFormat.canonicalFields.contains(name) && name != "disposition" {
            if let near = CustomFormat.canonicalFields.sorted().first(where: { editDistance($0, name) <= ($0.count >= 5 ? 2 : 1) }) {
                throw CustomFormatError("\(source): field '\(name)' is not a field name (did you mean '\(near)'?); other extra names are kept as they are")
            }
        }
        if let t = spec.time_is, t != "start" && t != "end" {
            throw CustomFormatError("\(source): key 'time_is' must be start or end, got '\(t)'")
        }
        if let d = spec.duration_format, !["clock", "seconds", "minutes"].contains(d) {
            throw CustomFormatError("\(source): key 'duration_format' must be clock, seconds or minutes, got '\(d)'")
        }
    }

    public var handle: FormatHandle {
        let me = self
        return FormatHandle(id: id, title: title, claim: { me.claim($0) }, makeParser: { Parser(format: me, options: $0) }, preferred: true)
    }

    func claim(_ lines: [String]) -> Int {
        guard let claimRegex else { return 0 }
        let hits = lines.filter { claimRegex.matches($0) }.count
        // A site's own description of its PBX wins over a built-in guess.
        return hits == 0 ? 0 : 70 + 30 * hits / lines.count
    }

    /// The named values of one line, or `nil` when the line does not have the layout.
    func fields(of line: String, bytes: ByteText) -> [String: String]? {
        var values: [String: String] = [:]
        switch layout {
        case .columns(let list):
            for (name, range) in list {
                if let v = bytes.string(columns: range) { values[name] = v }
            }
        case .pattern(let r, let names):
            guard let m = r.regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return nil }
            for (k, name) in names.enumerated() {
                let range = m.range(withName: "g\(k)")
                if range.location != NSNotFound, let rr = Range(range, in: line), let v = String(line[rr]).nonBlank { values[name] = v }
            }
        case .separated(let sep, let names):
            let parts = CSVSplitter.split(bytes.bytes, separator: sep)
            for (name, value) in zip(names, parts) where name != "-" {
                if let v = value.nonBlank { values[name] = v }
            }
        }
        return values
    }

    /// The named values of a continuation line.
    func continuationFields(of line: String) -> [String: String] {
        guard let (r, names) = continuationPattern, let m = r.regex.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) else { return [:] }
        var values: [String: String] = [:]
        for (k, name) in names.enumerated() {
            let range = m.range(withName: "g\(k)")
            if range.location != NSNotFound, let rr = Range(range, in: line), let v = String(line[rr]).nonBlank { values[name] = v }
        }
        return values
    }

    struct Parser: RecordParser {
        let format: CustomFormat
        var calendar: PBXCalendar
        /// A record waiting for its continuation lines (only when the format has `continuation`).
        var held: (values: [String: String], raw: String, line: FramedLine)?

        init(format: CustomFormat, options: ParseOptions) {
            self.format = format
            self.calendar = PBXCalendar(options)
        }

        var holding: Bool { held != nil }

        mutating func finish(into out: inout [ParseEvent]) { release(into: &out) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let text = line.bytes.decoded
            if let c = format.continuationRegex, c.matches(text) {
                guard held != nil else {
                    return out.append(line.reject("a continuation line with no record before it", format: format.id))
                }
                held!.raw += "\n" + text
                for (k, v) in format.continuationFields(of: text) where held!.values[k] == nil { held!.values[k] = v }
                return
            }
            release(into: &out)
            if let s = format.skipRegexes.first(where: { $0.regex.matches(text) }) { return out.append(line.skip(s.kind)) }
            if let claim = format.claimRegex, !claim.matches(text) {
                if !text.contains(where: \.isNumber) { return out.append(line.noDigits(format: format.id)) }
                return out.append(line.reject("does not match the format's claim pattern", format: format.id))
            }
            guard let v = format.fields(of: text, bytes: line.text) else {
                return out.append(line.reject("does not match the format's pattern", format: format.id))
            }
            if format.continuationRegex != nil {
                held = (v, text, line)
                return
            }
            out.append(record(v, raw: text, line: line))
        }

        mutating func release(into out: inout [ParseEvent]) {
            guard let h = held else { return }
            held = nil
            out.append(record(h.values, raw: h.raw, line: h.line))
        }

        mutating func record(_ v: [String: String], raw text: String, line: FramedLine) -> ParseEvent {
            let spec = format.spec
            var r = CallRecord(format: format.id, raw: text, line: line.number, offset: line.offset)
            func seconds(_ key: String) -> Int?? {
                guard let s = v[key] else { return .some(nil) }
                switch spec.duration_format ?? "clock" {
                case "seconds": return Int(s).map { .some($0) } ?? nil
                case "minutes": return Int(s).map { .some($0 * 60) } ?? nil
                default:
                    if let c = ArraySlice(s.utf8).clockSeconds { return .some(c) }
                    return Int(s).map { .some($0) } ?? nil
                }
            }
            for key in ["duration", "ring", "hold", "park"] {
                guard let value = seconds(key) else {
                    return line.reject("field '\(key)' is not a duration: '\(v[key]!)'", format: format.id)
                }
                switch key {
                case "duration": r.durationSeconds = value
                case "ring": r.ringSeconds = value
                case "hold": r.holdSeconds = value
                default: r.parkSeconds = value
                }
            }
            if let d = v["direction"] {
                for (dir, values) in (spec.direction ?? [:]).sorted(by: { $0.key < $1.key }) where values.contains(where: { matches(d, $0) }) {
                    r.direction = Direction(rawValue: dir)
                    break
                }
            }
            if let a = v["answered"] ?? v["disposition"] {
                r.answered = (spec.answered ?? AnsweredValues(yes: ["1", "Y", "YES", "TRUE", "A", "ANSWERED"], no: nil)).answered(a)
            } else if let d = r.durationSeconds {
                r.answered = d > 0
            }
            r.extension_ = v["extension"]
            r.extensionName = v["extension_name"]
            r.trunk = v["trunk"]
            r.dialed = v["dialed"]
            let party = v["number"] ?? v["dialed"]
            if let party, let masks = spec.masked, party.contains(where: { masks.contains($0) }) {
                r.flags.insert(.masked)
                if r.dialed == nil { r.dialed = party }
            } else {
                r.number = party?.phoneDigits
            }
            r.accountCode = v["account_code"]
            if let u = v["units"] {
                guard let units = Int(u) else { return line.reject("field 'units' is not a whole number: '\(u)'", format: format.id) }
                r.units = units
            }
            if let c = v["pbx_cost"] {
                guard let cost = Decimals.normalise(c) else { return line.reject("field 'pbx_cost' is not an amount: '\(c)'", format: format.id) }
                r.pbxCost = cost
            }
            r.currency = v["currency"]
            r.callID = v["call_id"]
            for (k, value) in v.sorted(by: { $0.key < $1.key }) where !CustomFormat.canonicalFields.contains(k) {
                r.setExtra(k, value)
            }
            // Date and time: separate date and time fields, or one combined field.
            var printed: ZonedTime?
            var printedEnd: ZonedTime?
            if let dt = v["datetime"] {
                guard let civil = readCombined(dt) else {
                    return line.reject("datetime '\(dt)' does not read as \(spec.datetime_format ?? "yyyy-MM-dd HH:mm:ss")", format: format.id)
                }
                printed = calendar.clock.zoned(civil)
            } else if let d = v["date"] {
                guard let civil = readDateTime(date: d, time: v["time"]) else {
                    return line.reject("date/time '\(d) \(v["time"] ?? "")' does not read as \(spec.date_format ?? "yyyy-MM-dd") \(spec.time_format ?? "HH:mm:ss")", format: format.id)
                }
                printed = calendar.clock.zoned(civil)
            }
            if let dt = v["end_datetime"] {
                guard let civil = readCombined(dt) else { return line.reject("end datetime '\(dt)' does not read", format: format.id) }
                printedEnd = calendar.clock.zoned(civil)
            } else if let d = v["end_date"] ?? v["date"], let t = v["end_time"] {
                guard let civil = readDateTime(date: d, time: t) else {
                    return line.reject("end date/time '\(d) \(t)' does not read", format: format.id)
                }
                printedEnd = calendar.clock.zoned(civil)
            }
            let total = r.durationSeconds.map { $0 + (r.ringSeconds ?? 0) + (r.holdSeconds ?? 0) + (r.parkSeconds ?? 0) }
            if spec.time_is == "end" {
                r.setTimes(start: nil, end: printed, elapsed: total, zone: calendar.clock)
            } else {
                r.setTimes(start: printed, end: printedEnd, elapsed: total, zone: calendar.clock)
            }
            return (r.isReadable ? .record(r) : r.notACall())
        }

        /// `value` equals `pattern`, or starts with it when the pattern ends in `*`.
        func matches(_ value: String, _ pattern: String) -> Bool {
            pattern.hasSuffix("*") ? value.hasPrefix(pattern.dropLast()) : value == pattern
        }

        /// A combined date and time, split where the `datetime_format` puts its first blank.
        mutating func readCombined(_ text: String) -> CivilDateTime? {
            let pattern = format.spec.datetime_format ?? "yyyy-MM-dd HH:mm:ss"
            guard let sp = pattern.firstIndex(of: " ") else { return readDateTime(date: text, time: nil) }
            let datePart = String(pattern[..<sp]), timePart = String(pattern[pattern.index(after: sp)...])
            let t = text.trimmingBlanks
            // The date has no blank inside: cut the text at its first run of blanks.
            guard let cut = t.firstIndex(of: " ") else { return nil }
            let dateText = String(t[..<cut])
            let timeText = String(t[cut...]).trimmingBlanks
            guard let (y, m, d) = DatePattern.read(dateText, pattern: datePart),
                let (hh, mm, ss) = DatePattern.readTime(timeText, pattern: timePart)
            else { return nil }
            return CivilDateTime(year: y ?? calendar.years.year(month: m, day: d), month: m, day: d, hour: hh, minute: mm, second: ss)
        }

        mutating func readDateTime(date: String, time: String?) -> CivilDateTime? {
            guard let (y, m, d) = DatePattern.read(date, pattern: format.spec.date_format ?? "yyyy-MM-dd") else { return nil }
            var hour = 0, minute = 0, second = 0
            if let time {
                guard let hms = DatePattern.readTime(time, pattern: format.spec.time_format ?? "HH:mm:ss") else { return nil }
                (hour, minute, second) = hms
            }
            let year = y ?? calendar.years.year(month: m, day: d)
            return CivilDateTime(year: year, month: m, day: d, hour: hour, minute: minute, second: second)
        }
    }
}

/// Levenshtein distance, for "did you mean" on a misspelt key.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    var row = Array(0...y.count)
    for i in 1...max(1, x.count) where !x.isEmpty {
        var prev = row[0]
        row[0] = i
        for j in 1...max(1, y.count) where !y.isEmpty {
            let cur = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (x[i - 1] == y[j - 1] ? 0 : 1))
            prev = cur
        }
    }
    return row[y.count]
}

public struct CustomFormatError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// `NSRegularExpression` is immutable and thread-safe, but not marked `Sendable`.
struct NSRegularExpressionBox: @unchecked Sendable {
    let regex: NSRegularExpression
    init(_ r: NSRegularExpression) { regex = r }
    func matches(_ s: String) -> Bool {
        regex.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
    }
}

/// Reads dates and times by a small pattern language: `yyyy yy MM dd` and `HH hh mm ss a`.
enum DatePattern {
    static func read(_ text: String, pattern: String) -> (Int?, Int, Int)? {
        guard let v = fields(text, pattern) else { return nil }
        guard let m = v["MM"], let d = v["dd"] else { return nil }
        var y = v["yyyy"]
        if y == nil, let yy = v["yy"] { y = yy < 70 ? 2000 + yy : 1900 + yy }
        return (y, m, d)
    }

    static func readTime(_ text: String, pattern: String) -> (Int, Int, Int)? {
        guard let v = fields(text, pattern) else { return nil }
        var h = v["HH"] ?? v["hh"] ?? 0
        if let pm = v["a"] {
            guard (1...12).contains(h) else { return nil }
            if pm == 1 && h != 12 { h += 12 }
            if pm == 0 && h == 12 { h = 0 }
        }
        return (h, v["mm"] ?? 0, v["ss"] ?? 0)
    }

    /// Matches `text` against the pattern; tokens are runs of y, M, d, H, h, m, s, a; other characters are literal.
    static func fields(_ text: String, _ pattern: String) -> [String: Int]? {
        let t = Array(text.trimmingBlanks.utf8)
        let p = Array(pattern.utf8)
        var out: [String: Int] = [:]
        var i = 0, j = 0
        while j < p.count {
            let c = p[j]
            var k = j
            while k < p.count && p[k] == c { k += 1 }
            let token = String(decoding: p[j..<k], as: UTF8.self)
            if "yMdHhms".utf8.contains(c) {
                // Digits: exactly the token's width, or 1-2 for single-letter tokens.
                var n = 0, count = 0
                let maxWidth = k - j == 1 ? 2 : k - j
                while i < t.count && t[i].isDigit && count < maxWidth {
                    n = n * 10 + t[i].digitValue
                    i += 1
                    count += 1
                }
                guard count > 0, k - j == 1 || count == k - j else { return nil }
                let key = k - j == 1 ? token + token : token
                out[key] = n
            } else if c == UInt8(ascii: "a") {
                guard i + 1 < t.count, t[i + 1] == UInt8(ascii: "M") || t[i + 1] == UInt8(ascii: "m") else { return nil }
                let ch = t[i] | 0x20
                guard ch == UInt8(ascii: "a") || ch == UInt8(ascii: "p") else { return nil }
                out["a"] = ch == UInt8(ascii: "p") ? 1 : 0
                i += 2
            } else {
                for _ in j..<k {
                    guard i < t.count, t[i] == c else { return nil }
                    i += 1
                }
            }
            j = k
        }
        return i == t.count ? out : nil
    }
}
