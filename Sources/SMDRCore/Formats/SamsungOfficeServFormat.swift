/// Samsung SMDR, one family reader: OfficeServ over TCP (NUL-terminated records of 154 or 122
/// characters) and the printed reports of DCS, DCS Compact II, iDCS 500, NX-820 / NX-1232,
/// SKP-36HX, SKP 56/120 and the SKP-816 tab-separated export.
///
/// Sources: brofield/pbxlog (TCP slices), the Samsung DCS manual example and MMC 725
/// (`shared/reference/formats/samsung-officeserv.md`), the ATSlog libraries summarised in
/// `shared/reference/formats/field-families.md`, and the field captures `shared/field/samsung/*`.
///
/// **Times.** Every Samsung layout prints the START of the call: the printed heading says
/// `STT.TIME` (start time), the SKP-816 export says `start_dt`, and the data agree (a transferred
/// leg `T`/`TRANSFER` starts when the `IT`/`xINCOMING` leg before it ends: `09:21:03 + 21 s` →
/// `T 09:21:24`). The end is start + duration. Dates carry no year (`MM/DD`, `MM:DD`) except in
/// the page title `SMDR REPORT FOR [site] mm/dd/yy[yy] hh:mm`, whose year is used from there on
/// (before any title: `--year`, else the receive date); SKP-816 prints `yyyy-mm-dd`, where
/// month-day `00-00` means the date is unknown: start and end are null, not borrowed.
///
/// **OfficeServ TCP** slices (0-based, end-exclusive): call id 2-8, extension 9-15, authorization
/// code 16-25, `MM/DD hh:mm:ss` 26-40, duration 41-49, call type 50-52, dialled 53-71, account code
/// 72-89, cost 90-100, CLI 101-117, and on 154-character records CLI name 118-136, group 137-143,
/// ring time 143-151.
///
/// **Printed reports** are read by columns taken from the printed heading when there is one, all
/// positions relative to the date column (the lines of one capture move by a column or two:
/// iDCS 500 starts every line but the first one blank further right, SKP 56/120 spaces wider). The
/// headings seen, and used as the default layout before (or without) a heading:
///
/// | variant | heading |
/// |---|---|
/// | OfficeServ, DCS, iDCS 500, DCS Compact II | `T EXT AUTH TRK MM/DD STT.TIME DURATION FG DIALED DIGIT ACCOUNT CODE CARR COST CLIP NUMBER CLIP NAME` |
/// | NX-820, NX-1232, SKP 56/120 | `EXT TRK MM:DD STT.TIME DURATION NUMBER DIALED ACC.CODE AUTH` (a colon in the date) |
/// | SKP-36HX | `EXT TRK MM/DD STT.TIME DURATION DIALED NO STATUS` |
/// | SKP-816 export | `ID stn co start_dt duration number acc_code`, tab-separated |
///
/// Each token after the duration goes to the heading column it overlaps most. Without a heading,
/// a decimal amount after the digits is the cost (iDCS 500 prints `0.00` there: it has no account
/// code column). The `T` column (a single digit, `1` in every capture) is not explained by any
/// source and is not read. CLIP name `no CLIP name` is the PBX saying there is none (null).
///
/// **Call types (FG)**, official (samsung-officeserv.md): `O` out, `I` in, `DI`/`DO`/`DE` DISA
/// in/out/error, `FO`/`FI` forwarded, `A` abandoned, `IT` incoming call transferred on, `OT`
/// outgoing call transferred on, `TT` a transferred call transferred again, `T` last leg of a
/// transferred call. `IA` is not in the official list: in the captures it is an incoming call's
/// first segment (the next leg of the same trunk starts when it ends), so it is incoming with
/// `answered` null. `T`/`TT` are incoming when a CLIP number is printed, otherwise direction null.
///
/// **NX / SKP number column**: digits = outgoing (dialled, as printed); `INCOMING` = incoming;
/// `TRANSFER` = a transferred leg (direction null: it may be either); `HOLD` = direction and
/// `answered` null; an empty column = direction and number null. A leading `x` (`xINCOMING`,
/// `xTRANSFER`, `x824834602`) marks, as the data show, a party that transferred the call on (the
/// next `TRANSFER` leg on that trunk starts when it ends), like `IT`/`TT`/`OT`: flag `transfer`.
/// `INCOMING28` (digits after the word) keeps the digits as `dialed`, number null. SKP-36HX prints
/// the direction in its own STATUS column (`OUTGOING`, `INCOMING`, `TRANSFER`). `call_type` keeps
/// the flag or word as printed.
///
/// `answered`: `A` false, `IA`/`HOLD`/empty null, otherwise duration > 0.
///
/// Lines accounted for: titles (`SMDR REPORT FOR`, `<< STATION MESSAGE DETAILED RECORDING >>`)
/// are page headers, headings column headers, `=`/`-` rules rules, MMC 725 pseudo-records
/// (`GROUP IN 510`, DND) events. Bytes before a record that a terminal left (backspace
/// over-striking, stray 8-bit bytes) are stepped over; the record's `raw` keeps them. A record
/// broken over two lines (the first ends inside the start time or duration, the second starts at
/// column 1 with the rest) is folded into one record with both lines in `raw`; a first part with
/// no fitting rest is rejected, and so is a line that begins inside a record whose start was lost
/// (`:00:31  xINCOMING` in the NX-1232 capture).
public enum SamsungOfficeServFormat: SMDRFormat {
    public static let id = "samsung-officeserv"
    public static let title = "Samsung OfficeServ / DCS / iDCS / NX / SKP SMDR (TCP records, printed reports, SKP-816 export)"

    static let types: [String: Direction?] = [
        "O": .outgoing, "I": .incoming, "DI": .incoming, "DO": .outgoing, "DE": nil, "FO": .outgoing, "FI": .incoming,
        "A": .incoming, "T": nil, "IT": .incoming, "OT": .outgoing, "TT": nil, "IA": .incoming,
    ]

    // MARK: Layouts

    enum Variant: Int, Sendable { case officeServ, nx, status }

    enum Col: Sendable, Equatable { case t, ext, auth, trk, date, time, duration, fg, digits, account, carrier, cost, clipNumber, clipName, status, unknown }

    /// Columns of a printed report, start positions relative to the date column, in printed order.
    struct Layout: Sendable {
        var before: [(col: Col, at: Int)] = []
        var after: [(col: Col, at: Int)] = []
        var fromHeading: Bool
    }

    static let headingPairs: Set<String> = [
        "DIALED DIGIT", "DIALED DIGITS", "ACCOUNT CODE", "CLIP NUMBER", "CLIP NAME", "CID NUMBER", "CID NAME", "NUMBER DIALED", "DIALED NO",
    ]
    static let headingLabels: [String: Col] = [
        "T": .t, "EXT": .ext, "AUTH": .auth, "TRK": .trk, "MM/DD": .date, "MM:DD": .date, "STT.TIME": .time, "DURATION": .duration,
        "FG": .fg, "DIALED DIGIT": .digits, "DIALED DIGITS": .digits, "NUMBER DIALED": .digits, "DIALED NO": .digits,
        "ACCOUNT CODE": .account, "ACC.CODE": .account, "CARR": .carrier, "COST": .cost, "CLIP NUMBER": .clipNumber,
        "CID NUMBER": .clipNumber, "CLIP NAME": .clipName, "CID NAME": .clipName, "STATUS": .status,
    ]

    /// Reads a printed column heading; nil when it has no date column or no duration.
    static func layout(heading t: ByteText, fromHeading: Bool = true) -> (Variant, Layout)? {
        let toks = t.tokens()
        var labels: [(String, Int)] = []
        var i = 0
        while i < toks.count {
            var word = t.string(toks[i])
            let start = toks[i].lowerBound
            if i + 1 < toks.count, toks[i + 1].lowerBound == toks[i].upperBound + 1, headingPairs.contains(word + " " + t.string(toks[i + 1])) {
                word += " " + t.string(toks[i + 1])
                i += 1
            }
            labels.append((word, start))
            i += 1
        }
        guard let date = labels.first(where: { headingLabels[$0.0] == .date }), labels.contains(where: { $0.0 == "DURATION" }) else { return nil }
        var l = Layout(fromHeading: fromHeading)
        var seenDate = false, seenDuration = false
        for (word, at) in labels {
            let col = headingLabels[word] ?? .unknown
            if col == .date { seenDate = true; continue }
            if col == .duration { seenDuration = true; continue }
            if col == .time { continue }
            if !seenDate { l.before.append((col, at - date.1)) } else if seenDuration { l.after.append((col, at - date.1)) }
        }
        let cols = l.after.map(\.col)
        let variant: Variant = cols.contains(.fg) ? .officeServ : cols.contains(.status) ? .status : .nx
        return (variant, l)
    }

    static let defaultLayouts: [Layout] = [
        "  T EXT  AUTH TRK  MM/DD STT.TIME DURATION FG DIALED DIGIT       ACCOUNT CODE   CARR    COST  CLIP NUMBER  CLIP NAME          ",
        "    EXT   TRK  MM:DD STT.TIME  DURATION  NUMBER DIALED       ACC.CODE     AUTH ",
        "   EXT   TRK   MM/DD   STT.TIME   DURATION  DIALED NO           STATUS        ",
    ].map { layout(heading: ByteText($0), fromHeading: false)!.1 }

    /// Assigns each token to the column it overlaps most; returns column → (from, to) in line columns.
    static func assign(_ tokens: ArraySlice<Range<Int>>, to cols: [(col: Col, at: Int)], anchor: Int) -> [(Col, Int, Int)] {
        var out: [(Col, Int, Int)] = []
        for tok in tokens {
            var best = -1, bestOverlap = -1
            for (k, c) in cols.enumerated() {
                let lo = k == 0 ? Int.min / 2 : anchor + c.at
                let hi = k + 1 < cols.count ? anchor + cols[k + 1].at : Int.max / 2
                let overlap = min(hi, tok.upperBound) - max(lo, tok.lowerBound)
                if overlap > bestOverlap { best = k; bestOverlap = overlap }
            }
            guard best >= 0 else { continue }
            let col = cols[best].col
            if let j = out.firstIndex(where: { $0.0 == col }) {
                out[j].2 = tok.upperBound
            } else {
                out.append((col, tok.lowerBound, tok.upperBound))
            }
        }
        return out
    }

    // MARK: Shapes

    /// Where a printed record's date, start time and duration sit.
    struct Stamp {
        var token: Int
        var at: Int
        var colon: Bool
        var timeAt: Int
        var durationAt: Int?
        var end: Int
    }

    static func isClock(_ t: ByteText, _ r: Range<Int>) -> Bool { r.count == 8 && t.matches("99:99:99", at: r.lowerBound) }

    static func stamp(_ t: ByteText, _ toks: [Range<Int>]) -> Stamp? {
        var i = 0
        while i + 1 < toks.count {
            let r = toks[i]
            if r.count == 5, t.matches("99?99", at: r.lowerBound), t[r.lowerBound + 2] == UInt8(ascii: "/") || t[r.lowerBound + 2] == UInt8(ascii: ":"),
                isClock(t, toks[i + 1])
            {
                let dur = i + 2 < toks.count && isClock(t, toks[i + 2]) ? toks[i + 2] : nil
                return Stamp(
                    token: i, at: r.lowerBound, colon: t[r.lowerBound + 2] == UInt8(ascii: ":"), timeAt: toks[i + 1].lowerBound,
                    durationAt: dur?.lowerBound, end: (dur ?? toks[i + 1]).upperBound)
            }
            i += 1
        }
        return nil
    }

    static let statusWords: Set<String> = ["OUTGOING", "INCOMING", "TRANSFER"]

    /// A word of the NX / SKP number column, or digits.
    static func isNumberWord(_ s: String) -> Bool {
        var w = Substring(s)
        if w.first == "x" { w = w.dropFirst() }
        if w.hasPrefix("INCOMING") || w.hasPrefix("TRANSFER") || w == "HOLD" { return true }
        guard let f = w.first, f.isASCII, f.isNumber else { return false }
        return w.allSatisfy { $0.isASCII && ($0.isNumber || $0 == "*" || $0 == "#" || ($0 >= "A" && $0 <= "F")) }
    }

    static func isDigitsToken(_ t: ByteText, _ r: Range<Int>) -> Bool { r.count <= 6 && ArraySlice(t.slice(r.lowerBound, r.upperBound)).allDigits }

    /// Which printed variant a line with a stamp is, from what follows the duration.
    static func variant(_ t: ByteText, _ toks: [Range<Int>], _ st: Stamp) -> Variant? {
        guard st.durationAt != nil else { return nil }
        let rest = toks[(st.token + 3)...]
        if st.colon {
            guard let first = rest.first else { return .nx }
            return isNumberWord(t.string(first)) ? .nx : nil
        }
        if let last = rest.last, statusWords.contains(t.string(last)) { return .status }
        if let first = rest.first, first.lowerBound == st.end + 1, types[t.string(first)] != nil { return .officeServ }
        return nil
    }

    static func isEvent(_ t: ByteText, _ toks: [Range<Int>], _ st: Stamp) -> Bool {
        guard st.durationAt == nil else { return false }
        return toks[(st.token + 2)...].contains { let w = t.string($0); return w == "GROUP" || w == "DND" }
    }

    static func isTabRecord(_ t: ByteText) -> Bool {
        let f = tabFields(t)
        return f.count >= 6 && f[3].count == 19 && t.matches("9999-99-99 99:99:99", at: f[3].lowerBound) && isClock(t, f[4])
    }

    static func tabFields(_ t: ByteText) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0
        for i in 0..<t.count where t[i] == 0x09 {
            out.append(start..<i)
            start = i + 1
        }
        out.append(start..<t.count)
        return out
    }

    /// Bytes a terminal left before a record (backspaces, 8-bit noise): where the record starts.
    static func junkEnd(_ t: ByteText) -> Int {
        var last = -1
        var i = 0
        while i < t.count {
            let b = t[i]
            if b.isDigit && last < 0 { return 0 }
            if (b < 0x20 && b != 0x09) || b >= 0x80 { last = i }
            if b.isDigit && last >= 0 { break }
            i += 1
        }
        return last + 1
    }

    /// The first part of a printed record broken before the end of its duration: short digit
    /// tokens, a date, then only part of the start time and duration.
    static func isHead(_ t: ByteText) -> Bool {
        let toks = t.tokens()
        if let st = stamp(t, toks), st.durationAt != nil { return false }
        guard toks.count >= 3, let d = toks.firstIndex(where: { $0.count == 5 && (t.matches("99/99", at: $0.lowerBound) || t.matches("99:99", at: $0.lowerBound)) }),
            d >= 1, d <= 4, toks[..<d].allSatisfy({ isDigitsToken(t, $0) }), toks.count <= d + 3
        else { return false }
        return toks[(d + 1)...].allSatisfy { r in t.slice(r.lowerBound, r.upperBound).allSatisfy { $0.isDigit || $0 == UInt8(ascii: ":") } }
            && toks.last!.upperBound == t.count
    }

    static func headingLine(_ t: ByteText) -> Bool {
        t.find("STT.TIME") != nil || (t.find("EXT ") != nil && t.find("DURATION") != nil)
    }

    public static func claim(_ lines: [String]) -> Int {
        var score = 0
        let hits = lines.filter { l in
            let t = ByteText(l)
            if t.find("SMDR REPORT") != nil || t.find("[{ SKP-") != nil { score = max(score, 30); return true }
            if headingLine(t), t.find("MM/DD") != nil || t.find("MM:DD") != nil { score = max(score, 30); return true }
            if t.matches("ID\tstn\tco\tstart_dt\t", at: 0) { score = max(score, 60); return true }
            if isTabRecord(t) { return true }
            let toks = t.tokens()
            guard let st = stamp(t, toks) else { return false }
            if st.at == 26 && st.timeAt == 32 && st.durationAt == 41 && t.count >= 100 { return types[t.string(50, 52) ?? ""] != nil }
            // Printed: only short digit tokens (T, EXT, AUTH, TRK) before the date.
            guard st.token >= 1, st.token <= 4, toks[..<st.token].allSatisfy({ isDigitsToken(t, $0) }) else { return false }
            if isEvent(t, toks, st) { return true }
            guard let v = variant(t, toks, st) else { return false }
            let rest = toks.count - st.token - 3
            switch v {
            case .nx: return st.token == 2 && rest <= 3
            case .status: return st.token == 2 && rest <= 2
            case .officeServ: return true
            }
        }.count
        return hits == 0 ? 0 : min(100, max(score, 40) + (100 - 40) * hits / max(1, lines.count))
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        var calendar: PBXCalendar
        let reference: CivilDateTime
        var layouts: [Layout] = SamsungOfficeServFormat.defaultLayouts
        init(_ options: ParseOptions) {
            calendar = PBXCalendar(options)
            reference = options.receivedLocal
        }

        /// The first part of a record the printer broke over two lines, waiting for the rest.
        var head: FramedLine?
        var holding: Bool { head != nil }

        mutating func finish(into out: inout [ParseEvent]) {
            if let h = head {
                head = nil
                out.append(h.reject("a record cut short: the line ends before its duration and no continuation followed", format: id))
            }
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            if let h = head {
                head = nil
                // The rest of a broken record starts at the line's first column (no indent).
                if !line.text[0].isBlank {
                    var joined = FramedLine(bytes: ArraySlice(Array(h.bytes) + Array(line.bytes)), number: h.number, offset: h.offset)
                    joined.framed = h.framed
                    var events: [ParseEvent] = []
                    parseLine(joined, into: &events)
                    if events.count == 1, case .record(var r) = events[0] {
                        r.raw = h.bytes.decoded + "\n" + line.bytes.decoded
                        return if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
                    }
                }
                out.append(h.reject("a record cut short: the line ends before its duration and the next line does not complete it", format: id))
            }
            if SamsungOfficeServFormat.isHead(line.text) {
                head = line
                return
            }
            parseLine(line, into: &out)
        }

        mutating func parseLine(_ line: FramedLine, into out: inout [ParseEvent]) {
            var t = line.text
            if t.find("\t") != nil, t.find("SMDR") == nil { return parseExport(line, into: &out) }
            let cut = SamsungOfficeServFormat.junkEnd(t)
            if cut > 0, let first = t.slice(cut, t.count).first(where: { !$0.isBlank }), first.isDigit { t = ByteText(t.slice(cut, t.count)) }
            if t.find("SMDR REPORT") != nil {
                let from = t.find("]") ?? 0
                if let d = t.find("99/99/9999", from: from) {
                    calendar.years = YearResolver(fixedYear: t.number(d + 6, 4)!, reference: reference)
                } else if let d = t.find("99/99/99", from: from) {
                    calendar.years = YearResolver(fixedYear: 2000 + t.number(d + 6, 2)!, reference: reference)
                }
                return out.append(line.skip(.pageHeader, "report title"))
            }
            if t.find("STATION MESSAGE DETAILED RECORDING") != nil { return out.append(line.skip(.pageHeader, "report title")) }
            if SamsungOfficeServFormat.headingLine(t) {
                if let (v, l) = SamsungOfficeServFormat.layout(heading: t) { layouts[v.rawValue] = l }
                return out.append(line.skip(.columnHeader))
            }
            let toks = t.tokens()
            guard let st = SamsungOfficeServFormat.stamp(t, toks) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                if let f = toks.first, t[f.lowerBound] == UInt8(ascii: ":") {
                    return out.append(line.reject("the start of this record was lost (the line begins inside the duration): extension, trunk, date and start time are missing", format: id))
                }
                return out.append(line.reject("a Samsung SMDR record carries a date MM/DD (or MM:DD), the start hh:mm:ss and the duration hh:mm:ss", format: id))
            }
            if SamsungOfficeServFormat.isEvent(t, toks, st) {
                return out.append(line.skip(.event, t.string(toks[st.token + 2].lowerBound, t.count)))
            }
            guard let durationAt = st.durationAt, let duration = t.slice(durationAt, durationAt + 8).clockSeconds else {
                return out.append(line.reject("no duration hh:mm:ss after the start time", format: id))
            }
            let month = t.number(st.at, 2)!, day = t.number(st.at + 3, 2)!
            guard (1...12).contains(month), (1...31).contains(day) else { return out.append(line.reject("invalid date \(t.string(toks[st.token]))", format: id)) }
            let year = calendar.years.year(month: month, day: day)
            guard let civil = CivilDateTime(year: year, month: month, day: day, hour: t.number(st.timeAt, 2)!, minute: t.number(st.timeAt + 3, 2)!, second: t.number(st.timeAt + 6, 2)!)
            else { return out.append(line.reject("invalid date or start time", format: id)) }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.durationSeconds = duration
            r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)
            if st.at == 26 && st.timeAt == 32 && durationAt == 41 && t.count >= 100 {
                guard readFixed(t, into: &r) else { return out.append(line.reject("unknown call type '\(t.string(50, 52) ?? "")' in columns 51-52", format: id)) }
                return if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
            }
            guard let v = SamsungOfficeServFormat.variant(t, toks, st) else {
                let next = st.token + 3 < toks.count ? t.string(toks[st.token + 3]) : ""
                return out.append(line.reject("unknown call type or number '\(next)' after the duration", format: id))
            }
            let layout = layouts[v.rawValue]
            // Before the date: EXT and TRK (and T, AUTH on OfficeServ), by column where the line is laid out.
            let before = toks[..<st.token]
            if v == .officeServ && st.at >= 17 {
                for (col, lo, hi) in SamsungOfficeServFormat.assign(before, to: layout.before, anchor: st.at) { setBefore(col, t.string(lo, hi), &r) }
            } else if v != .officeServ && before.count == 2 {
                r.extension_ = t.string(before[before.startIndex])
                r.trunk = t.string(before[before.startIndex + 1])
            } else if v != .officeServ {
                for (col, lo, hi) in SamsungOfficeServFormat.assign(before, to: layout.before, anchor: st.at) { setBefore(col, t.string(lo, hi), &r) }
            } else {
                // The manual's example, spacing lost: EXT [AUTH] TRK, or TRK alone.
                let words = before.map { t.string($0) }
                if words.count >= 2 {
                    r.extension_ = words.first
                    r.trunk = words.last
                    if words.count >= 3 { r.setExtra("auth_code", words[1]) }
                } else {
                    r.trunk = words.first
                }
            }
            var fields: [Col: String] = [:]
            let after = toks[(st.token + 3)...]
            if v == .officeServ && st.at < 17 {
                let words = after.map { t.string($0) }
                fields[.fg] = words.first
                if words.count > 1 { fields[.digits] = words[1] }
                if words.count > 2 { fields[.clipName] = words[2...].joined(separator: " ") }
            } else {
                for (col, lo, hi) in SamsungOfficeServFormat.assign(after, to: layout.after, anchor: st.at) {
                    var c = col
                    if !layout.fromHeading, c == .account || c == .carrier, let s = t.string(lo, hi), s.contains("."), s.allSatisfy({ $0.isNumber || $0 == "." }) { c = .cost }
                    fields[c] = t.string(lo, hi)
                }
            }
            switch v {
            case .officeServ:
                guard readOfficeServ(fields, duration: duration, into: &r) else {
                    return out.append(line.reject("unknown call type '\(fields[.fg] ?? "")' in the FG column", format: id))
                }
            case .nx:
                guard SamsungOfficeServFormat.readNumberColumn(fields[.digits], duration: duration, into: &r) else {
                    return out.append(line.reject("unknown entry '\(fields[.digits] ?? "")' in the NUMBER DIALED column", format: id))
                }
                r.accountCode = fields[.account]
                r.setExtra("auth_code", fields[.auth])
            case .status:
                r.dialed = fields[.digits]
                r.number = r.dialed?.phoneDigits
                let status = fields[.status] ?? ""
                switch status {
                case "OUTGOING": r.direction = .outgoing
                case "INCOMING": r.direction = .incoming
                case "TRANSFER": r.flags.insert(.transfer)
                default: return out.append(line.reject("unknown STATUS '\(status)'", format: id))
                }
                r.answered = duration > 0
                r.setExtra("call_type", status)
            }
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }

        func setBefore(_ col: Col, _ value: String?, _ r: inout CallRecord) {
            switch col {
            case .ext: r.extension_ = value
            case .trk: r.trunk = value
            case .auth: r.setExtra("auth_code", value)
            default: break
            }
        }

        /// The OfficeServ TCP record (columns of pbxlog).
        func readFixed(_ t: ByteText, into r: inout CallRecord) -> Bool {
            let type = t.string(50, 52) ?? ""
            guard let dirEntry = SamsungOfficeServFormat.types[type] else { return false }
            r.callID = t.string(2, 8)
            r.extension_ = t.string(9, 15)
            r.setExtra("auth_code", t.string(16, 25))
            let digits = t.string(53, 71)
            r.accountCode = t.string(72, 89)
            r.pbxCost = t.string(90, 100).flatMap(Decimals.normalise)
            let cli = t.string(101, 117)
            if t.count >= 150 {
                r.setExtra("caller_name", t.string(118, 136))
                r.setExtra("group", t.string(137, 143))
                let ring = t.field(143, 151)
                r.ringSeconds = ring.clockSeconds ?? ring.int
            }
            apply(type: type, direction: dirEntry, digits: digits, cli: cli, name: r.extra("caller_name") != nil, into: &r)
            return true
        }

        func readOfficeServ(_ f: [Col: String], duration: Int, into r: inout CallRecord) -> Bool {
            let type = f[.fg] ?? ""
            guard let dirEntry = SamsungOfficeServFormat.types[type] else { return false }
            r.accountCode = f[.account]
            r.setExtra("carrier", f[.carrier])
            r.pbxCost = f[.cost].flatMap(Decimals.normalise)
            let name = f[.clipName] == "no CLIP name" ? nil : f[.clipName]
            r.setExtra("caller_name", name)
            apply(type: type, direction: dirEntry, digits: f[.digits], cli: f[.clipNumber], name: name != nil, into: &r)
            return true
        }

        func apply(type: String, direction dirEntry: Direction?, digits: String?, cli: String?, name: Bool, into r: inout CallRecord) {
            let duration = r.durationSeconds ?? 0
            r.dialed = digits
            switch type {
            case "A": r.answered = false
            case "IA": r.answered = nil
            default: r.answered = duration > 0
            }
            var direction = dirEntry
            if (type == "T" || type == "TT") && (cli != nil || name) { direction = .incoming }
            r.direction = direction
            if ["T", "IT", "OT", "TT"].contains(type) { r.flags.insert(.transfer) }
            if ["FO", "FI"].contains(type) { r.flags.insert(.forward) }
            if ["DI", "DO", "DE"].contains(type) { r.flags.insert(.disa) }
            r.number = (direction == .incoming ? (cli ?? digits) : digits)?.phoneDigits
            r.setExtra("call_type", type)
            r.setExtra("calling_number", cli)
        }

        /// SKP-816 export: `ID stn co start_dt duration number acc_code`, tab-separated.
        mutating func parseExport(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            if t.matches("ID\tstn\tco\tstart_dt\t", at: 0) { return out.append(line.skip(.columnHeader)) }
            guard SamsungOfficeServFormat.isTabRecord(t) else {
                return out.append(line.reject("an SKP-816 export row is ID, stn, co, yyyy-mm-dd hh:mm:ss, hh:mm:ss, number, acc_code separated by tabs", format: id))
            }
            let f = SamsungOfficeServFormat.tabFields(t)
            let d = f[3].lowerBound
            guard let duration = t.slice(f[4].lowerBound, f[4].upperBound).clockSeconds else { return out.append(line.reject("invalid duration", format: id)) }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.durationSeconds = duration
            let month = t.number(d + 5, 2)!, day = t.number(d + 8, 2)!
            if month != 0 || day != 0 {
                guard let civil = CivilDateTime(year: t.number(d, 4)!, month: month, day: day, hour: t.number(d + 11, 2)!, minute: t.number(d + 14, 2)!, second: t.number(d + 17, 2)!)
                else { return out.append(line.reject("invalid date or start time \(t.string(f[3]))", format: id)) }
                r.setTimes(start: calendar.clock.zoned(civil), end: nil, elapsed: duration, zone: calendar.clock)
            }
            r.setExtra("record_number", t.string(f[0].lowerBound, f[0].upperBound))
            r.extension_ = t.string(f[1].lowerBound, f[1].upperBound)
            r.trunk = t.string(f[2].lowerBound, f[2].upperBound)
            let number = t.string(f[5].lowerBound, f[5].upperBound)
            guard SamsungOfficeServFormat.readNumberColumn(number, duration: duration, into: &r) else {
                return out.append(line.reject("unknown entry '\(number ?? "")' in the number column", format: id))
            }
            if f.count > 6 { r.accountCode = t.string(f[6].lowerBound, f[6].upperBound) }
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    /// The NX / SKP number column: digits, `INCOMING`, `TRANSFER`, `HOLD`, with an optional `x` before.
    static func readNumberColumn(_ value: String?, duration: Int, into r: inout CallRecord) -> Bool {
        guard let value else { return true }
        guard isNumberWord(value) else { return false }
        var w = Substring(value)
        if w.first == "x" {
            w = w.dropFirst()
            r.flags.insert(.transfer)
        }
        r.answered = duration > 0
        if w.hasPrefix("INCOMING") {
            r.direction = .incoming
            let rest = w.dropFirst("INCOMING".count)
            if !rest.isEmpty { r.dialed = String(rest) }
            r.setExtra("call_type", value.prefix(value.count - rest.count).description)
        } else if w.hasPrefix("TRANSFER") {
            r.flags.insert(.transfer)
            r.setExtra("call_type", value)
        } else if w == "HOLD" {
            r.answered = nil
            r.setExtra("call_type", value)
        } else {
            r.direction = .outgoing
            r.dialed = value
            r.number = value.phoneDigits
        }
        return true
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            ["205 702 01/02 17:31:06 00:03:00 TT 13055556420 PIZZA DELIVERY"], options: .vectorsWith(year: 2026),
            [
                "start": "\"2026-01-02T17:31:06+01:00\"", "duration_s": "180", "extension": "\"205\"", "trunk": "\"702\"",
                "direction": "\"incoming\"", "flags": "[\"transfer\"]", "number": "\"13055556420\"", "caller_name": "\"PIZZA DELIVERY\"",
            ]),
        FormatVector(
            ["701 01/02 17:41:45 00:00:30 A 13055553426 TERRY PRUITT"], options: .vectorsWith(year: 2026),
            ["answered": "false", "extension": "null", "trunk": "\"701\"", "direction": "\"incoming\""]),
        FormatVector(
            [MitelFormat.line([(3, "000123"), (10, "201"), (27, "11/04 09:12:12"), (42, "00:02:40"), (51, "O"), (54, "0142681234"), (73, "4711"), (91, "0.80")], width: 122)],
            options: .vectorsWith(year: 2026),
            ["call_id": "\"000123\"", "extension": "\"201\"", "direction": "\"outgoing\"", "number": "\"0142681234\"", "account_code": "\"4711\"", "pbx_cost": "\"0.80\"", "end": "\"2026-11-04T09:14:52+01:00\""]),
        // DCS printed report with its heading and title (the title's year is used).
        FormatVector(
            [
                "                 SMDR REPORT FOR [                ] 02/21/2003 11:25   ",
                "  T EXT  AUTH TRK  MM/DD STT.TIME DURATION FG DIALED DIGIT       ACCOUNT CODE   CARR    COST  CLIP NUMBER  CLIP NAME          ",
                "  1 255  1777 706  02/21 11:23:26 00:01:15 OT 277081              4711                  1.20  ",
            ],
            [
                "start": "\"2003-02-21T11:23:26+01:00\"", "end": "\"2003-02-21T11:24:41+01:00\"", "extension": "\"255\"", "trunk": "\"706\"",
                "auth_code": "\"1777\"", "direction": "\"outgoing\"", "flags": "[\"transfer\"]", "number": "\"277081\"", "account_code": "\"4711\"",
                "pbx_cost": "\"1.20\"",
            ]),
        // DCS Compact II: no T column; CLIP number and name far right.
        FormatVector(
            ["     381       701  07/19 09:21:03 00:00:21 IT                                                 80942350331   no CLIP name"],
            options: .vectorsWith(year: 2004),
            ["extension": "\"381\"", "trunk": "\"701\"", "direction": "\"incoming\"", "number": "\"80942350331\"", "caller_name": "null", "call_type": "\"IT\""]),
        // NX-820: a colon in the date; x = the party transferred the call on.
        FormatVector(
            ["    201   701  02:18 14:50:14  00:00:22  xINCOMING                             "], options: .vectorsWith(year: 2005),
            [
                "start": "\"2005-02-18T14:50:14+01:00\"", "duration_s": "22", "extension": "\"201\"", "trunk": "\"701\"", "direction": "\"incoming\"",
                "flags": "[\"transfer\"]", "number": "null", "call_type": "\"xINCOMING\"",
            ]),
        // SKP-36HX: direction in the STATUS column.
        FormatVector(
            ["   42    63    09/10   15:49:24   00:00:42  415*                OUTGOING      "], options: .vectorsWith(year: 2004),
            ["extension": "\"42\"", "trunk": "\"63\"", "dialed": "\"415*\"", "number": "\"415\"", "direction": "\"outgoing\""]),
        // A record the printer broke inside its duration: the rest, at the next line's first column, is folded in.
        FormatVector(
            ["    201   701  02:18 15:05:53  00", ":00:37  xINCOMING                             "], options: .vectorsWith(year: 2005),
            ["start": "\"2005-02-18T15:05:53+01:00\"", "duration_s": "37", "extension": "\"201\"", "direction": "\"incoming\""]),
        // SKP-816 export: month-day 00-00 = date unknown.
        FormatVector(
            ["2001\t031\t003\t2002-00-00 17:31:17\t00:00:10\tINCOMING\t"],
            ["start": "null", "end": "null", "duration_s": "10", "extension": "\"031\"", "trunk": "\"003\"", "direction": "\"incoming\"", "record_number": "\"2001\""]),
    ]
}
