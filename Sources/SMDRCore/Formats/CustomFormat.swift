import Foundation
import Yams

/// A format described in a YAML file, so a site with another PBX adds it without code.
///
/// ```yaml
/// id: acme-2000                    # used by --format and in each record's `format`
/// title: Acme 2000 SMDR
/// claim: '^\d\d/\d\d/\d\d '        # regex every record line matches (for --format auto)
/// skip: ['^Date', '^-+$']          # regexes of lines that are not records (headers, rules)
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
/// direction: {incoming: [I], outgoing: [O], internal: [X]}   # values of the `direction` field
/// answered: [Y, "1"]               # values of the `answered` field that mean answered
/// ```
///
/// Field names are the canonical ones (`date`, `time`, `end_date`, `end_time`, `duration`, `ring`,
/// `hold`, `park`, `direction`, `answered`, `extension`, `extension_name`, `trunk`, `number`,
/// `dialed`, `account_code`, `units`, `pbx_cost`, `currency`, `call_id`); any other name becomes an
/// extra field of the record.
public struct CustomFormat: Sendable {
    public struct Spec: Decodable, Sendable {
        var id: String
        var title: String?
        var claim: String?
        var skip: [String]?
        var columns: [String: String]?
        var pattern: String?
        var separator: String?
        var fields: [String]?
        var date_format: String?
        var time_format: String?
        var time_is: String?
        var duration_format: String?
        var direction: [String: [String]]?
        var answered: [String]?
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
    let skipRegexes: [NSRegularExpressionBox]

    public static let canonicalFields: Set<String> = [
        "date", "time", "end_date", "end_time", "duration", "ring", "hold", "park", "direction", "answered", "extension",
        "extension_name", "trunk", "number", "dialed", "account_code", "units", "pbx_cost", "currency", "call_id",
    ]

    /// Reads and checks a YAML description. Errors name the file and the key at fault.
    public static func load(yaml: String, source: String) throws -> CustomFormat {
        let spec: Spec
        do {
            spec = try YAMLDecoder().decode(Spec.self, from: yaml)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw CustomFormatError("\(source): missing key '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw CustomFormatError("\(source): key '\(ctx.codingPath.map(\.stringValue).joined(separator: "."))': \(ctx.debugDescription)")
        } catch {
            throw CustomFormatError("\(source): not a valid format description: \(error)")
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
        func regex(_ p: String, _ key: String) throws -> NSRegularExpressionBox {
            do { return NSRegularExpressionBox(try NSRegularExpression(pattern: p)) } catch {
                throw CustomFormatError("\(source): key '\(key)': invalid regular expression '\(p)'")
            }
        }
        claimRegex = try spec.claim.map { try regex($0, "claim") }
        skipRegexes = try (spec.skip ?? []).map { try regex($0, "skip") }
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
            let r = try regex(pattern, "pattern")
            let names = pattern.matches(of: /\(\?<([A-Za-z_][A-Za-z0-9_]*)>/).map { String($0.output.1) }
            guard !names.isEmpty else { throw CustomFormatError("\(source): key 'pattern' has no named groups (?<name>…)") }
            layout = .pattern(r, names: names)
        } else {
            let sep = spec.separator ?? ","
            guard sep.utf8.count == 1 else { throw CustomFormatError("\(source): key 'separator' must be one character") }
            layout = .separated(separator: sep.utf8.first!, names: spec.fields!)
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
        return FormatHandle(id: id, title: title, claim: { me.claim($0) }, makeParser: { Parser(format: me, options: $0) })
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
            for name in names {
                let range = m.range(withName: name)
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

    struct Parser: RecordParser {
        let format: CustomFormat
        var calendar: PBXCalendar

        init(format: CustomFormat, options: ParseOptions) {
            self.format = format
            self.calendar = PBXCalendar(options)
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let text = line.bytes.decoded
            if format.skipRegexes.contains(where: { $0.matches(text) }) { return out.append(line.skip(.pageHeader, "matches a skip pattern")) }
            if let claim = format.claimRegex, !claim.matches(text) {
                if !text.contains(where: \.isNumber) { return out.append(line.noDigits(format: format.id)) }
                return out.append(line.reject("does not match the format's claim pattern", format: format.id))
            }
            guard let v = format.fields(of: text, bytes: line.text) else {
                return out.append(line.reject("does not match the format's pattern", format: format.id))
            }
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
                    return out.append(line.reject("field '\(key)' is not a duration: '\(v[key]!)'", format: format.id))
                }
                switch key {
                case "duration": r.durationSeconds = value
                case "ring": r.ringSeconds = value
                case "hold": r.holdSeconds = value
                default: r.parkSeconds = value
                }
            }
            if let d = v["direction"] {
                for (dir, values) in spec.direction ?? [:] where values.contains(d) { r.direction = Direction(rawValue: dir) }
            }
            if let a = v["answered"] {
                r.answered = (spec.answered ?? ["1", "Y", "YES", "TRUE", "A"]).contains(a.uppercased()) || (spec.answered ?? []).contains(a)
            } else if let d = r.durationSeconds {
                r.answered = d > 0
            }
            r.extension_ = v["extension"]
            r.extensionName = v["extension_name"]
            r.trunk = v["trunk"]
            r.dialed = v["dialed"]
            r.number = (v["number"] ?? v["dialed"])?.phoneDigits
            r.accountCode = v["account_code"]
            if let u = v["units"] {
                guard let units = Int(u) else { return out.append(line.reject("field 'units' is not a whole number: '\(u)'", format: format.id)) }
                r.units = units
            }
            if let c = v["pbx_cost"] {
                guard let cost = Decimals.normalise(c) else { return out.append(line.reject("field 'pbx_cost' is not an amount: '\(c)'", format: format.id)) }
                r.pbxCost = cost
            }
            r.currency = v["currency"]
            r.callID = v["call_id"]
            for (k, value) in v.sorted(by: { $0.key < $1.key }) where !CustomFormat.canonicalFields.contains(k) {
                r.setExtra(k, value)
            }
            // Date and time.
            var printed: ZonedTime?
            var printedEnd: ZonedTime?
            if let d = v["date"] {
                guard let civil = readDateTime(date: d, time: v["time"]) else {
                    return out.append(line.reject("date/time '\(d) \(v["time"] ?? "")' does not read as \(spec.date_format ?? "yyyy-MM-dd") \(spec.time_format ?? "HH:mm:ss")", format: format.id))
                }
                printed = calendar.clock.zoned(civil)
            }
            if let d = v["end_date"] ?? v["date"], let t = v["end_time"] {
                guard let civil = readDateTime(date: d, time: t) else {
                    return out.append(line.reject("end date/time '\(d) \(t)' does not read", format: format.id))
                }
                printedEnd = calendar.clock.zoned(civil)
            }
            let total = r.durationSeconds.map { $0 + (r.ringSeconds ?? 0) + (r.holdSeconds ?? 0) + (r.parkSeconds ?? 0) }
            if spec.time_is == "end" {
                r.setTimes(start: nil, end: printed, elapsed: total, zone: calendar.clock)
            } else {
                r.setTimes(start: printed, end: printedEnd, elapsed: total, zone: calendar.clock)
            }
            out.append(.record(r))
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
