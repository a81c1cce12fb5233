/// Alcatel 4200 (4200E) metering printout: one fixed-width statement line per call.
///
/// Source: the ATSlog parser library `libexec/4200e.lib` (`shared/reference/formats/field-families.md`,
/// "Alcatel 4200E"; third-party code, no capture), with the meanings the 4200's successor, OmniPCX
/// Office, documents for the same statement fields (`alcatel-omnipcx.md` §A: taxes = metering
/// units, service code, facility letters, business code). Trust: third-party code; no verbatim line.
///
/// After optional leading blanks, fixed widths with one blank between fields. The record is
/// anchored on its date (`dd/mm/yy hh:mm hh:mm:ss`, as the ATSlog pattern is): columns below are
/// 1-based for a line with no leading blank (date at 21); with leading blanks all shift together.
///
/// | columns | width | field | canonical |
/// |---|---|---|---|
/// | 1-5 | 5 | initial user: `****` outgoing; incoming: the set/group called (`A110`, `G9` attendant group) | `initial_user` |
/// | 7-11 | 5 | charged user: `A727` a set (the extension is the digits), `Lxx`/`Nxx`/`Pxx` a line | `extension`, `user_charged` |
/// | 13-15 | 3 | type: `-->` outgoing, `<--` incoming, `CS+`/`CS-` service (de)activated | `direction` |
/// | 17-19 | 3 | line: `Lxx` analog, `Nxx` T0, `Pxx` T2 (as printed; ATSlog's site numbered it xx+10) | `trunk` |
/// | 21-28 | 8 | date `dd/mm/yy` | `start` |
/// | 30-34 | 5 | time `hh:mm` | `start` |
/// | 36-43 | 8 | duration `hh:mm:ss` | `duration_s` |
/// | 45-49 | 5 | taxes: metering units, right-aligned, **directly followed by** … | `units` |
/// | 50-51 | 2 | … the service code (`ST` telephony) | `service` |
/// | 53-58 | 6 | facilities: `X` transfer, `N` internal forward, `R` external forward, `S` DISA, `T` metering, `I` UUS | `flags`, `supplementary_services` |
/// | 60-85 | 26 | dialled number, dot-padded; the caller's number on incoming calls | `dialed`, `number` |
/// | 87 | 1 | mode: `M` manual, `I` individual, `R` collective speed dial | `dialling_mode` |
/// | 89-93 | 5 | ringing `mm:ss` | `ring_s` |
/// | 95-104 | 10 | cost | `pbx_cost`, `currency` |
/// | 106-121 | 16 | business (account) code, dot-padded | `account_code` |
/// | 123-138 | 16 | subscriber name: the user, or the name of the business code | `extension_name` / `account_name` |
///
/// Dots in the dialled number and business code are padding (the ATSlog pattern strips them), not
/// masking: they are removed from both ends. A number ending in `*` is masked (OXO's MASK option):
/// `number` is then null. `answered` = duration above zero (unanswered incoming calls print with
/// duration 0 and their ring time), as on OmniPCX Office.
///
/// **Start or end**: neither the library nor any 4200 document says. The printed time is read as
/// the **start** of the call: (1) it is the OmniPCX Office statement (same fields, widths and
/// order), whose `TIM` this project reads as the start, so a site moving from a 4200 to an OXO keeps
/// one meaning; (2) ATSlog stores the printed time unchanged as the call time, whereas its two
/// libraries for PBXs that print the end (Ericsson, NEC) say so and compute the start;
/// (3) the time precedes the duration, as in the layouts that print the start (Mitel, IP Office).
/// To be confirmed on a real 4200.
///
/// Headings (no digits, listing labels) and rules are skipped; the counter printouts OmniPCX
/// documents (`TAX AND COST COUNTERS PER SUBSCRIBER`, `TAX METERS PER ACCESS`) are skipped as
/// counters up to the next statement.
public enum Alcatel4200Format: SMDRFormat {
    public static let id = "alcatel-4200"
    public static let title = "Alcatel 4200 (4200E) metering printout (fixed-width statement, taxes + service code)"

    /// The column of the date when the line has the 4200 statement shape, else `nil`.
    static func dateColumn(_ t: ByteText) -> Int? {
        guard t.count >= 44, let d = t.find("99/99/99 99:99 99:99:99 ", from: 20) else { return nil }
        // Blanks between the fields before the date, the type in its place.
        guard t[d - 1].isBlank, t[d - 5].isBlank, t[d - 9].isBlank, t[d - 15].isBlank, !t[d - 8].isBlank else { return nil }
        // Taxes right-aligned in 5 columns, the 2-character service code glued to them.
        guard t[d + 28].isDigit, !t[d + 29].isBlank, !t[d + 30].isBlank, t[d + 31].isBlank else { return nil }
        for i in (d + 24)..<(d + 28) where !(t[i].isBlank || t[i].isDigit) { return nil }
        for i in 0..<(d - 20) where !(t[i].isBlank || t[i] < 0x20) { return nil }
        return d
    }

    public static func claim(_ lines: [String]) -> Int {
        FormatDetector.share(lines, base: 90) { dateColumn(ByteText($0)) != nil }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    static let headingWords: [StaticString] = ["USER", "TYPE", "LINE", "DATE", "TIME", "DURATION", "TAXES", "SERV", "DIALLED", "COST", "RING", "BUSIN", "NAME", "USAGER", "LIGNE", "HEURE", "DUREE", "NUMERO", "MONTANT", "SONNERIE"]

    /// A line of listing labels (no digits, at least two of the words).
    static func isHeading(_ t: ByteText) -> Bool {
        var n = 0
        for w in headingWords where t.find(w) != nil { n += 1 }
        return n >= 2
    }

    static func isCounterTitle(_ t: ByteText) -> Bool {
        t.find("COUNTERS") != nil || t.find("METERS PER") != nil || t.find("COMPTEURS") != nil
    }

    /// Trims blanks, then padding dots, from both ends.
    static func undotted(_ s: ArraySlice<UInt8>) -> String? {
        var f = s.trimmed
        while let b = f.first, b == UInt8(ascii: ".") { f = f.dropFirst() }
        while let b = f.last, b == UInt8(ascii: ".") { f = f.dropLast() }
        f = f.trimmed
        return f.isEmpty ? nil : f.decoded
    }

    struct Parser: RecordParser {
        let clock: ZoneClock
        var inCounters = false
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard let d = Alcatel4200Format.dateColumn(t) else {
                if Alcatel4200Format.isCounterTitle(t) {
                    inCounters = true
                    return out.append(line.skip(.counter))
                }
                let hasDigit = t.trimmed.contains(where: \.isDigit)
                if !hasDigit {
                    if t.isRule { return out.append(line.skip(.rule)) }
                    if Alcatel4200Format.isHeading(t) { return out.append(line.skip(.columnHeader)) }
                    return out.append(line.noDigits(format: id))
                }
                if inCounters && t.find("99:99:99") == nil { return out.append(line.skip(.counter)) }
                return out.append(
                    line.reject(
                        "not a 4200 statement: expected initial user, charged user, type and line (5/5/3/3 columns) before dd/mm/yy hh:mm hh:mm:ss, then the taxes glued to a 2-letter service code",
                        format: id))
            }
            inCounters = false
            guard let day = t.number(d, 2), let month = t.number(d + 3, 2), let yy = t.number(d + 6, 2),
                let civil = CivilDateTime(year: 2000 + yy, month: month, day: day, hour: t.number(d + 9, 2)!, minute: t.number(d + 12, 2)!, second: 0)
            else {
                return out.append(line.reject("invalid date or time '\(t.string(d, d + 14) ?? "")' (dd/mm/yy hh:mm)", format: id))
            }
            guard let duration = t.field(d + 15, d + 23).clockSeconds else {
                return out.append(line.reject("duration '\(t.string(d + 15, d + 23) ?? "")' is not hh:mm:ss", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.durationSeconds = duration
            r.units = t.field(d + 24, d + 29).int
            if let ring = t.string(d + 68, d + 73) {
                guard let s = ArraySlice(ring.utf8).clockSeconds else {
                    return out.append(line.reject("ringing '\(ring)' at the RING columns is not mm:ss", format: id))
                }
                r.ringSeconds = s
            }
            if let cost = t.string(d + 74, d + 84) {
                let amount = cost.filter { $0.isNumber || $0 == "." || $0 == "," || $0 == "-" }
                guard let c = Decimals.normalise(amount) else { return out.append(line.reject("cost '\(cost)' is not an amount", format: id)) }
                r.pbxCost = c
                let symbol = cost.filter { !($0.isNumber || $0 == "." || $0 == "," || $0 == "-" || $0 == " ") }
                r.currency = symbol.isEmpty ? nil : symbol
            }

            let initial = t.string(d - 20, d - 15)
            let charged = t.string(d - 14, d - 9)
            let type = t.string(d - 8, d - 5)
            switch type {
            case "-->": r.direction = .outgoing
            case "<--": r.direction = .incoming
            case "CS+", "CS-":
                r.flags.insert(.service)
                r.setExtra("service_action", type == "CS+" ? "activate" : "cancel")
            default: r.setExtra("call_type", type)
            }
            if let c = charged {
                let u = Array(c.utf8)
                if u.count > 1, u[0] == UInt8(ascii: "A"), u.dropFirst().allSatisfy(\.isDigit) {
                    r.extension_ = String(c.dropFirst())
                } else if u.allSatisfy(\.isDigit) {
                    r.extension_ = c
                }
            }
            r.trunk = t.string(d - 4, d - 1)
            if let dialled = Alcatel4200Format.undotted(t.slice(d + 39, d + 65)) {
                r.dialed = dialled
                if dialled.hasSuffix("*") {
                    r.flags.insert(.masked)
                } else {
                    r.number = dialled.phoneDigits
                }
            }
            let facilities = t.string(d + 32, d + 38)
            for c in facilities?.utf8 ?? "".utf8 {
                switch c {
                case UInt8(ascii: "X"): r.flags.insert(.transfer)
                case UInt8(ascii: "N"), UInt8(ascii: "R"): r.flags.insert(.forward)
                case UInt8(ascii: "S"): r.flags.insert(.disa)
                default: break
                }
            }
            r.accountCode = Alcatel4200Format.undotted(t.slice(d + 85, d + 101))
            if let name = t.string(d + 102, t.count) {
                if r.accountCode != nil { r.setExtra("account_name", name) } else { r.extensionName = name }
            }
            r.answered = duration > 0
            r.setTimes(start: clock.zoned(civil), end: nil, elapsed: duration, zone: clock)
            r.setExtra("initial_user", initial)
            r.setExtra("user_charged", charged)
            r.setExtra("service", t.string(d + 29, d + 31))
            r.setExtra("supplementary_services", facilities)
            r.setExtra("dialling_mode", t.string(d + 66, d + 67))
            if facilities?.contains("T") == true { r.setExtra("metering_active", .bool(true)) }
            if facilities?.contains("I") == true { r.setExtra("user_to_user_signalling", .bool(true)) }
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    public static let vectors: [FormatVector] = [
        // Outgoing call on a T2 line: taxes 6 glued to ST, dot-padded number.
        FormatVector(
            ["****  A727  --> P00 04/11/26 08:31 00:02:40     6ST        0388677700................ M            10.20 ................ DURAND PAUL"],
            [
                "start": "\"2026-11-04T08:31:00+01:00\"", "end": "\"2026-11-04T08:33:40+01:00\"", "duration_s": "160", "units": "6",
                "extension": "\"727\"", "user_charged": "\"A727\"", "initial_user": "\"****\"", "direction": "\"outgoing\"", "trunk": "\"P00\"",
                "number": "\"0388677700\"", "dialed": "\"0388677700\"", "service": "\"ST\"", "dialling_mode": "\"M\"", "pbx_cost": "\"10.20\"",
                "account_code": "null", "extension_name": "\"DURAND PAUL\"", "answered": "true", "flags": "[]",
            ]),
        // Incoming call answered after a forward inside the PBX: the caller's number in the dialled field.
        FormatVector(
            [" G9    A110  <-- L02 04/11/26 10:05 00:01:15     0ST N      0612345678................   00:12       0.00 ................ MARTIN ANNE"],
            [
                "direction": "\"incoming\"", "extension": "\"110\"", "initial_user": "\"G9\"", "number": "\"0612345678\"", "ring_s": "12",
                "flags": "[\"forward\"]", "units": "0", "duration_s": "75", "start": "\"2026-11-04T10:05:00+01:00\"",
            ]),
        // Transferred call with a dot-padded business code and its name.
        FormatVector(
            ["****  A104  --> P03 04/11/26 09:12 00:04:30    12ST X      0142681234................ I            18.36 ............4711 CLIENT DUPONT"],
            [
                "flags": "[\"transfer\"]", "account_code": "\"4711\"", "account_name": "\"CLIENT DUPONT\"", "extension_name": "null", "units": "12",
                "dialling_mode": "\"I\"", "supplementary_services": "\"X\"",
            ]),
    ]
}
