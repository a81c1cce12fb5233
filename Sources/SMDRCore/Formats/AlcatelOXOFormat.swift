/// Alcatel-Lucent OmniPCX Office V24 metering printout ("taxation"): LISTING statements and
/// TICKET mode.
///
/// Source: OmniPCX Office Technical Documentation ("Call Metering Services", MMC "Metering
/// configuration"); `shared/reference/formats/alcatel-omnipcx.md` §A and `alcatel-taxation.md`.
/// No verbatim printout has been published: this reader follows the documented fields and reads
/// the layout from what the PBX prints rather than from fixed columns.
///
/// **LISTING**: one statement per call, at most 16 fields chosen per site (MMC codes below), under
/// a column header the PBX prints (English or French, on one or more lines). Each field of a
/// statement is matched to the header label above it. Before any header is seen, fields are
/// recognised by their shape in the default order `SUB TYP TRK DAT TIM DUR TAX SER FAC DNU`.
///
/// | code | header labels | content | canonical |
/// |---|---|---|---|
/// | `IUS` | INITIAL USER | called group/set (`G9` attendant group), `****` outgoing | `initial_user` |
/// | `SUB` | USER, CHARGED USER | charged user `A101`, `Lxx`, `Nxx`, `Pxx` | `extension` |
/// | `TYP` | TYPE | `-->` outgoing, `<--` incoming, `CS+`/`CS-` service | `direction` |
/// | `TRK` | LINE | `Lxx` analog, `Nxx` T0, `Pxx` T2, `Vxx` VoIP | `trunk` |
/// | `DAT` `TIM` `DUR` | DATE TIME DURATION | `23/10/00` `08:31` `00:02:40` | `start`, `duration_s` |
/// | `TAX` | TAXES | metering units | `units` |
/// | `SER` | SERV | `ST` telephony | `service` |
/// | `FAC` | ADD. SERVICES | `X` transfer, `R` external forward, `N` internal forward, `S` DISA, `T` metering, `I` UUS | `flags` |
/// | `DNU` | DIALLED NUMBER | last 4 digits may be masked | `number`, `dialed` |
/// | `DMO` | MODE | `M` manual, `I`/`R` speed dial | `dialling_mode` |
/// | `RIN` | RING | ringing `mm:ss` | `ring_s` |
/// | `CST` | COST | cost incl. ISDN service charges | `pbx_cost` |
/// | `ACC` | BUSIN. CODE | business code ("code affaire") | `account_code` |
/// | `SUN` | USER NAME | the user, or the business code's name | `extension_name` / `account_name` |
///
/// Counter printouts (`TAX AND COST COUNTERS PER SUBSCRIBER`, `TAX METERS PER ACCESS`) are skipped.
///
/// **TICKET**: several `LABEL : value` lines per call, closed by a rule (`---`, `===`, `***`) or
/// by the next ticket; the same labels apply. A transferred call starts a new statement/ticket
/// for the new party (the PBX resets the meter), so each record is charged to its own party.
public enum AlcatelOXOFormat: SMDRFormat {
    public static let id = "alcatel-oxo"
    public static let title = "Alcatel-Lucent OmniPCX Office V24 metering printout (LISTING from its header, TICKET)"

    /// Header labels, longest first so that `USER NAME` is not read as `USER`.
    static let labels: [(String, String)] = [
        ("DIALLED NUMBER", "DNU"), ("NUMERO COMPOSE", "DNU"), ("NUMÉRO COMPOSÉ", "DNU"), ("DIALED NUMBER", "DNU"),
        ("ADD. SERVICES", "FAC"), ("SERV. COMPL.", "FAC"), ("SERVICES COMPL.", "FAC"), ("INITIAL USER", "IUS"),
        ("USAGER INITIAL", "IUS"), ("CHARGED USER", "SUB"), ("USAGER TAXE", "SUB"), ("BUSIN. CODE", "ACC"),
        ("BUSINESS CODE", "ACC"), ("CODE AFFAIRE", "ACC"), ("USER NAME", "SUN"), ("NOM USAGER", "SUN"), ("DURATION", "DUR"),
        ("SONNERIE", "RIN"), ("NUMERO", "DNU"), ("NUMÉRO", "DNU"), ("ABONNE", "SUB"), ("ABONNÉ", "SUB"), ("USAGER", "SUB"),
        ("LIGNE", "TRK"), ("HEURE", "TIM"), ("DUREE", "DUR"), ("DURÉE", "DUR"), ("TAXES", "TAX"), ("UNITS", "TAX"),
        ("MONTANT", "CST"), ("COUT", "CST"), ("COÛT", "CST"), ("COST", "CST"), ("USER", "SUB"), ("TYPE", "TYP"), ("LINE", "TRK"),
        ("DATE", "DAT"), ("TIME", "TIM"), ("SERV", "SER"), ("MODE", "DMO"), ("RING", "RIN"), ("NAME", "SUN"), ("NOM", "SUN"),
        ("NODE", "NOD"), ("NOEUD", "NOD"), ("OPE.", "CAR"), ("OPER.", "CAR"), ("POSTE", "SUB"), ("TAX", "TAX"),
    ]

    /// The field codes a header line names, with their columns; `nil` when it is not a header.
    static func headerLabels(_ line: String) -> [(code: String, columns: Range<Int>)]? {
        let upper = Array(line.uppercased())
        guard !upper.contains(where: \.isNumber) else { return nil }
        var taken = [Bool](repeating: false, count: upper.count)
        var found: [(String, Range<Int>)] = []
        for (label, code) in labels {
            let l = Array(label)
            var i = 0
            while i + l.count <= upper.count {
                let before = i == 0 || upper[i - 1] == " "
                let after = i + l.count == upper.count || upper[i + l.count] == " " || upper[i + l.count] == "/"
                if before && after && Array(upper[i..<(i + l.count)]) == l && !taken[i..<(i + l.count)].contains(true) {
                    for k in i..<(i + l.count) { taken[k] = true }
                    found.append((code, i..<(i + l.count)))
                    i += l.count
                } else {
                    i += 1
                }
            }
        }
        guard found.count >= 3 else { return nil }
        return found.sorted { $0.1.lowerBound < $1.1.lowerBound }
    }

    /// `TAX AND COST COUNTERS PER SUBSCRIBER`, `TAX METERS PER ACCESS`, `COMPTEURS …`.
    static func isCounterTitle(_ t: ByteText) -> Bool {
        t.find("COUNTERS") != nil || t.find("METERS PER") != nil || t.find("COMPTEURS") != nil
    }

    public static func claim(_ lines: [String]) -> Int {
        var score = 0
        for l in lines {
            if let h = headerLabels(l), h.contains(where: { $0.code == "TAX" || $0.code == "DNU" }) { score += 50 }
            // OXO's default statement: USER, then the direction arrow (a 4200 prints two users before it).
            if let arrow = l.split(separator: " ").firstIndex(where: { $0 == "-->" || $0 == "<--" }), arrow == 1 { score += 20 }
            if let (label, _) = ticketPair(l), labels.contains(where: { $0.0 == label }) { score += 10 }
        }
        return min(score, 95)
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    /// `LABEL : value` → (LABEL uppercased, value).
    static func ticketPair(_ segment: String) -> (String, String)? {
        guard let colon = segment.firstIndex(of: ":") else { return nil }
        let label = segment[..<colon].trimmingCharacters(in: " .").uppercased()
        let value = String(segment[segment.index(after: colon)...]).trimmingBlanks
        guard !label.isEmpty, label.count <= 20, !label.contains(where: \.isNumber) else { return nil }
        return (String(label), value)
    }

    struct Parser: RecordParser {
        let clock: ZoneClock
        var header: [(code: String, columns: Range<Int>)] = []
        var headerLine = -1
        var inCounters = false
        /// TICKET mode: the fields of the ticket being read, and where it started.
        var ticket: [(String, String)] = []
        var ticketLines: [String] = []
        var ticketStart = 0
        var ticketOffset: Int64 = 0

        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let text = line.bytes.decoded
            let trimmed = text.trimmingBlanks
            if trimmed.allSatisfy({ "-=*_".contains($0) }) {
                flushTicket(into: &out)
                return out.append(line.skip(.rule))
            }
            if AlcatelOXOFormat.isCounterTitle(line.text) {
                flushTicket(into: &out)
                inCounters = true
                return out.append(line.skip(.counter))
            }
            // TICKET mode: LABEL : value lines. A colon with a blank beside it marks them (a time
            // `08:31` has digits on both sides); only then is the line cut into segments.
            let t0 = line.text
            var labelled = false
            for i in 0..<t0.count where t0[i] == UInt8(ascii: ":") && (t0[i - 1].isBlank || t0[i + 1].isBlank || i + 1 == t0.count) {
                labelled = true
                break
            }
            let segments = labelled ? text.components(separatedBy: "  ").map(\.trimmingBlanks).filter { !$0.isEmpty } : []
            let pairs = segments.compactMap(AlcatelOXOFormat.ticketPair)
            let known = pairs.compactMap { p in AlcatelOXOFormat.labels.first { $0.0 == p.0 }.map { ($0.1, p.1) } }
            if !known.isEmpty && known.count == pairs.count {
                if ticket.contains(where: { t in known.contains { $0.0 == t.0 } }) { flushTicket(into: &out) }
                if ticket.isEmpty {
                    ticketStart = line.number
                    ticketOffset = line.offset
                }
                ticket.append(contentsOf: known)
                ticketLines.append(text)
                return
            }
            flushTicket(into: &out)
            let hasDigit = t0.bytes.contains(where: \.isDigit)
            // An OXO header names the charged user, the taxes or the dialled number (not just date and time).
            if !hasDigit, let h = AlcatelOXOFormat.headerLabels(text), h.contains(where: { ["SUB", "TAX", "DNU"].contains($0.code) }) {
                // Consecutive header lines (staggered labels) add up to one header.
                if headerLine == line.number - 1 { header = (header + h).sorted { $0.columns.lowerBound < $1.columns.lowerBound } } else { header = h }
                headerLine = line.number
                inCounters = false
                return out.append(line.skip(.columnHeader))
            }
            let t = line.text
            guard !(t.trimmed.allSatisfy { !$0.isDigit }) else {
                if ticket.isEmpty && !pairs.isEmpty { return out.append(line.skip(.columnHeader, "ticket heading")) }
                let upper = text.uppercased()
                if upper.contains("TAXATION") || upper.contains("LISTING") || upper.contains("LISTE") { return out.append(line.skip(.pageHeader)) }
                return out.append(line.noDigits(format: id))
            }
            let hasDate = t.find("99/99/99") != nil
            if inCounters && !(hasDate && t.find("99:99:99") != nil) { return out.append(line.skip(.counter)) }
            inCounters = false
            if !hasDate && pairs.count == segments.count && !pairs.isEmpty { return out.append(line.skip(.columnHeader, "ticket heading")) }
            let values = header.isEmpty ? byShape(t) : byHeader(t)
            out.append(record(values, raw: text, line: line.number, offset: line.offset))
        }

        mutating func finish(into out: inout [ParseEvent]) { flushTicket(into: &out) }
        var holding: Bool { !ticket.isEmpty }

        mutating func flushTicket(into out: inout [ParseEvent]) {
            guard !ticket.isEmpty else { return }
            var values: [String: String] = [:]
            for (code, v) in ticket where !v.isEmpty { values[code] = v }
            // A ticket often prints date and time together: `DATE : 23/10/00 08:31`.
            if let d = values["DAT"], values["TIM"] == nil {
                let parts = d.split(separator: " ")
                if parts.count == 2 {
                    values["DAT"] = String(parts[0])
                    values["TIM"] = String(parts[1])
                }
            }
            out.append(record(values, raw: ticketLines.joined(separator: "\n"), line: ticketStart, offset: ticketOffset))
            ticket = []
            ticketLines = []
        }

        /// Each blank-separated field goes to the header label whose columns it overlaps most
        /// (or the nearest one); fields under one label (a name with spaces) are joined.
        func byHeader(_ t: ByteText) -> [String: String] {
            var values: [String: String] = [:]
            for token in t.tokens() {
                var best = 0
                var bestScore = Int.min
                for (k, h) in header.enumerated() {
                    let overlap = min(token.upperBound, h.columns.upperBound) - max(token.lowerBound, h.columns.lowerBound)
                    let score = overlap > 0 ? overlap * 1000 : -min(abs(token.lowerBound - h.columns.lowerBound), abs(token.upperBound - h.columns.upperBound))
                    if score > bestScore {
                        bestScore = score
                        best = k
                    }
                }
                let code = header[best].code
                let s = t.string(token)
                values[code] = values[code].map { $0 + " " + s } ?? s
            }
            return values
        }

        /// Headerless statements: fields recognised by shape, in the default order.
        func byShape(_ t: ByteText) -> [String: String] {
            var values: [String: String] = [:]
            var rest: [String] = []
            var users = 0
            for token in t.tokens() {
                let s = t.string(token)
                let b = ByteText(s)
                let letters = s.unicodeScalars.first.map { CharacterSet.uppercaseLetters.contains($0) } ?? false
                if values["DAT"] == nil, b.matches("99/99/99", at: 0) {
                    values["DAT"] = s
                } else if values["DAT"] == nil && values["TYP"] == nil, ["-->", "<--", "CS+", "CS-"].contains(s) {
                    values["TYP"] = s
                } else if values["DAT"] == nil, s == "****" || (letters && s.count <= 6 && s.dropFirst().allSatisfy { $0.isNumber || $0 == "*" }) {
                    if users == 1 && values["TYP"] == nil { values["USERS"] = "2" }  // two users before the arrow: not OXO's order
                    values[users == 0 ? "SUB" : "TRK"] = s
                    users += 1
                } else if values["TIM"] == nil, s.count == 5, b.matches("99:99", at: 0) {
                    values["TIM"] = s
                } else if values["DUR"] == nil, b.matches("99:99:99", at: 0) {
                    values["DUR"] = s
                } else if values["DUR"] != nil && values["TAX"] == nil && values["DNU"] == nil && s.allSatisfy(\.isNumber) && s.count <= 5 {
                    values["TAX"] = s
                } else if values["DUR"] != nil && values["SER"] == nil && values["DNU"] == nil && (s == "ST" || s.hasPrefix("T*") || (s.count == 2 && s.allSatisfy(\.isLetter))) {
                    values["SER"] = s
                } else if values["DUR"] != nil && values["DNU"] == nil && s.allSatisfy({ "XRNSTI".contains($0) }) {
                    values["FAC"] = s
                } else if values["DUR"] != nil && values["DNU"] == nil && s.contains(where: \.isNumber) && s.allSatisfy({ $0.isNumber || "*#.+X".contains($0) }) {
                    values["DNU"] = s
                } else if values["DNU"] != nil && values["RIN"] == nil && s.count == 5 && b.matches("99:99", at: 0) {
                    values["RIN"] = s
                } else if values["DNU"] != nil && values["CST"] == nil && Decimals.normalise(s) != nil && (s.contains(Character(".")) || s.contains(Character(","))) {
                    values["CST"] = s
                } else {
                    rest.append(s)
                }
            }
            if !rest.isEmpty { values["SUN"] = rest.joined(separator: " ") }
            return values
        }

        func record(_ v: [String: String], raw: String, line: Int, offset: Int64) -> ParseEvent {
            func reject(_ reason: String) -> ParseEvent {
                .reject(Reject(line: line, text: raw, reason: reason, format: id, offset: offset))
            }
            if header.isEmpty && (v["SUB"] == nil || v["DUR"] == nil || v["USERS"] != nil) {
                return reject("a statement read by its shape (no column header seen) starts with its user (A101) and has a duration hh:mm:ss: not an OmniPCX Office statement")
            }
            guard let date = v["DAT"], let time = v["TIM"] else {
                return reject(header.isEmpty ? "statement without date (DAT) and time (TIM), and no column header seen to place its fields" : "statement without date (DAT) and time (TIM) under the column header")
            }
            let d = ByteText(date)
            guard d.matches("99/99/99", at: 0), let day = d.number(0, 2), let month = d.number(3, 2) else {
                return reject("date '\(date)' is not dd/mm/yy")
            }
            let year: Int
            if let y4 = d.number(6, 4) { year = y4 } else { year = 2000 + d.number(6, 2)! }
            let tm = ByteText(time)
            guard tm.matches("99:99", at: 0),
                let civil = CivilDateTime(year: year, month: month, day: day, hour: tm.number(0, 2)!, minute: tm.number(3, 2)!, second: tm.number(6, 2) ?? 0)
            else {
                return reject("invalid date or time '\(date) \(time)'")
            }
            var r = CallRecord(format: id, raw: raw, line: line, offset: offset)
            if let dur = v["DUR"] {
                guard let s = ArraySlice(dur.utf8).clockSeconds else { return reject("duration '\(dur)' is not hh:mm:ss") }
                r.durationSeconds = s
            }
            if let ring = v["RIN"] {
                guard let s = ArraySlice(ring.utf8).clockSeconds else { return reject("ring time '\(ring)' is not mm:ss") }
                r.ringSeconds = s
            }
            if let tax = v["TAX"] {
                guard let u = Int(tax) else { return reject("metering units (TAXES) '\(tax)' is not a whole number") }
                r.units = u
            }
            if let cost = v["CST"] {
                guard let c = Decimals.normalise(cost.filter { $0.isNumber || $0 == "." || $0 == "," || $0 == "-" }) else {
                    return reject("cost '\(cost)' is not an amount")
                }
                r.pbxCost = c
                let symbol = cost.filter { !($0.isNumber || $0 == "." || $0 == "," || $0 == "-" || $0 == " ") }
                r.currency = symbol.isEmpty ? nil : symbol
            }
            let initial = v["IUS"]
            switch v["TYP"] {
            case "-->": r.direction = .outgoing
            case "<--": r.direction = .incoming
            case "CS+", "CS-":
                r.flags.insert(.service)
                r.setExtra("service_action", v["TYP"] == "CS+" ? "activate" : "cancel")
            default:
                if initial == "****" { r.direction = .outgoing }
            }
            r.extension_ = v["SUB"]
            r.trunk = v["TRK"]
            if let dnu = v["DNU"] {
                r.dialed = dnu
                if dnu.contains(Character("*")) || dnu.contains(Character(".")) || dnu.contains(Character("X")) {
                    r.flags.insert(.masked)
                } else {
                    r.number = dnu.phoneDigits
                }
            }
            for c in v["FAC"] ?? "" {
                switch c {
                case "X": r.flags.insert(.transfer)
                case "R", "N": r.flags.insert(.forward)
                case "S": r.flags.insert(.disa)
                default: break
                }
            }
            r.accountCode = v["ACC"]
            if let name = v["SUN"] {
                if r.accountCode != nil { r.setExtra("account_name", name) } else { r.extensionName = name }
            }
            if let d = r.durationSeconds { r.answered = d > 0 }
            // The statement time is the start of the call.
            r.setTimes(start: clock.zoned(civil), end: nil, elapsed: r.durationSeconds, zone: clock)
            r.setExtra("initial_user", initial)
            r.setExtra("service", v["SER"])
            r.setExtra("supplementary_services", v["FAC"])
            r.setExtra("dialling_mode", v["DMO"])
            r.setExtra("node", v["NOD"])
            r.setExtra("carrier", v["CAR"])
            if v["FAC"]?.contains(Character("T")) == true { r.setExtra("metering_active", .bool(true)) }
            if v["FAC"]?.contains(Character("I")) == true { r.setExtra("user_to_user_signalling", .bool(true)) }
            return (r.isReadable ? .record(r) : r.notACall())
        }
    }

    public static let vectors: [FormatVector] = [
        // The manual's statement (p. 729), its fields in the default order.
        FormatVector(
            ["A101  -->  N01  23/10/00  08:31  00:02:40      6  ST      00388677700"],
            [
                "start": "\"2000-10-23T08:31:00+02:00\"", "end": "\"2000-10-23T08:33:40+02:00\"", "duration_s": "160", "units": "6",
                "extension": "\"A101\"", "direction": "\"outgoing\"", "trunk": "\"N01\"", "number": "\"00388677700\"", "service": "\"ST\"",
                "answered": "true",
            ]),
        // A site's own field selection: the statement is read under its printed header.
        FormatVector(
            [
                "USER  TYPE LINE DATE     TIME  DURATION TAXES  ADD. SERVICES  DIALLED NUMBER       COST      BUSIN. CODE  USER NAME",
                "A104  -->  P03  04/11/26 09:12 00:04:30    12  X              0142681234          18.36 F          4711  DUPONT JEAN",
            ],
            [
                "extension": "\"A104\"", "units": "12", "pbx_cost": "\"18.36\"", "currency": "\"F\"", "account_code": "\"4711\"",
                "account_name": "\"DUPONT JEAN\"", "flags": "[\"transfer\"]", "number": "\"0142681234\"", "start": "\"2026-11-04T09:12:00+01:00\"",
            ]),
        // French header, incoming call with ring time; last digits masked.
        FormatVector(
            [
                "USAGER  TYPE  LIGNE  DATE      HEURE  DUREE     TAXES  NUMERO          SONNERIE",
                "A110    <--   L02    04/11/26  10:05  00:00:00      0  06123*****      00:25",
            ],
            [
                "direction": "\"incoming\"", "answered": "false", "ring_s": "25", "number": "null", "dialed": "\"06123*****\"",
                "flags": "[\"masked\"]", "trunk": "\"L02\"",
            ]),
        // TICKET mode.
        FormatVector(
            [
                "USER : A101   USER NAME : MARTIN", "DATE : 04/11/26 14:02   DURATION : 00:01:05", "DIALLED NUMBER : 0388677700",
                "TAXES : 3   COST : 0.45", "BUSIN. CODE : 1234", "----------------------------------------",
            ],
            [
                "extension": "\"A101\"", "start": "\"2026-11-04T14:02:00+01:00\"", "duration_s": "65", "units": "3", "pbx_cost": "\"0.45\"",
                "account_code": "\"1234\"", "account_name": "\"MARTIN\"", "number": "\"0388677700\"",
            ]),
    ]
}

import Foundation
