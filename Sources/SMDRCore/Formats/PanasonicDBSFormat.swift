import Foundation

/// Panasonic DBS (DBS-40/72/90/576, CPC-AII / CPC-B): not the KX-T family. One line per call.
///
/// Sources: *DBS Manual* (April 2000) Fig. 2-2 in `shared/reference/formats/other-families.md`
/// (official), and the DBS-90 field capture `shared/field/panasonic/dbs-90.smdr` (ATSlog; no
/// library), which prints the same fields in another order:
///
/// | print | columns |
/// |---|---|
/// | DBS-90 capture | Ext(5) Trunk(4) `DD MM` `HH:MM` duration `H:MM.SS` T digits … `000000` |
/// | official (Fig. 2-2) | T `MM/DD` `HH:MM:SS` duration `HH:MM.SS` Ext digits(28) account(10) `V0000`/`W0000`(5) trunk(2) |
///
/// - T (call type): `I` incoming, `O` outgoing, `S` DISA inbound, `s` DISA outbound, `T` transfer
///   (also pickups and conferences), `N` DNIS, `D` DID.
/// - Duration `H:MM.SS`: hours, minutes, and seconds after the `.` (official). In the capture
///   `0:10.30` is 10 min 30 s: the lines are printed in the order time + duration (every line's
///   time + duration is later than the one before), so the duration is that long and the printed
///   time is the **START** of the call.
/// - Date: no year (`--year`, or the year resolver); the capture prints `17 03` (day 17, month 3:
///   no month 17), the manual `MM/DD`.
/// - Digits: dialled digits or caller ID (`*` prints as `>`, `#` as `<`; "Private", "Out of Area").
///   In the capture every incoming line holds `00'02`-style `mm'ss` values instead of a number:
///   read as the ring time (the DBS prints no CLI there), not as a number.
/// - The capture's trailing `000000` (every line) is not in the official layout; its meaning is
///   unknown, so it is not read. The official account code and `V`/`W` code are read
///   (`account_code`, `auth_code`).
/// - A line cut inside (`  14  17 03:`) is a reject.
public enum PanasonicDBSFormat: SMDRFormat {
    public static let id = "panasonic-dbs"
    public static let title = "Panasonic DBS (DBS-40/72/90/576) SMDR (time = start of call, duration H:MM.SS)"

    public static func claim(_ lines: [String]) -> Int {
        var hits = 0
        for line in lines where Parser.shape(ByteText(line)) != nil { hits += 1 }
        return hits == 0 ? 0 : min(100, 50 + 50 * hits / max(1, lines.count))
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        var years: YearResolver

        init(_ options: ParseOptions) {
            clock = ZoneClock(timeZone: options.timeZone)
            years = options.makeYearResolver()
        }

        struct Fields {
            var type: UInt8
            var month: Int, day: Int, hour: Int, minute: Int, second: Int
            var duration: Int
            var ext: Range<Int>
            var trunk: Range<Int>
            /// Tokens after the type (capture) or after the extension (official).
            var rest: Range<Int>
            /// The official print (account code and V/W code may follow the digits).
            var official: Bool
        }

        /// `H:MM.SS` as seconds.
        static func duration(_ t: ByteText, _ r: Range<Int>) -> Int? {
            guard r.count >= 7, t[r.upperBound - 3] == UInt8(ascii: "."), t[r.upperBound - 6] == UInt8(ascii: ":"),
                let s = t.number(r.upperBound - 2, 2), let m = t.number(r.upperBound - 5, 2), s < 60, m < 60
            else { return nil }
            var h = 0
            for k in r.lowerBound..<(r.upperBound - 6) {
                guard t[k].isDigit else { return nil }
                h = h * 10 + t[k].digitValue
            }
            return h * 3600 + m * 60 + s
        }

        static func isType(_ b: UInt8) -> Bool {
            switch b {
            case UInt8(ascii: "I"), UInt8(ascii: "O"), UInt8(ascii: "S"), UInt8(ascii: "s"), UInt8(ascii: "T"), UInt8(ascii: "N"),
                UInt8(ascii: "D"):
                return true
            default: return false
            }
        }

        /// The fields of a DBS line in either print, or `nil`.
        static func shape(_ t: ByteText) -> Fields? {
            let tk = t.tokens()
            guard tk.count >= 4 else { return nil }
            if tk[0].count == 1 && isType(t[tk[0].lowerBound]) {
                // Official: T MM/DD HH:MM:SS HH:MM.SS NNN digits [account] [Vnnnn] NN
                guard tk.count >= 6, tk[1].count == 5, t.matches("99/99", at: tk[1].lowerBound), tk[2].count == 8,
                    t.matches("99:99:99", at: tk[2].lowerBound), let d = duration(t, tk[3]), Self.digits(t, tk[4]),
                    Self.digits(t, tk[tk.count - 1]), tk[tk.count - 1].count <= 3
                else { return nil }
                let a = tk[1].lowerBound, c = tk[2].lowerBound
                return Fields(
                    type: t[tk[0].lowerBound], month: t.number(a, 2)!, day: t.number(a + 3, 2)!, hour: t.number(c, 2)!,
                    minute: t.number(c + 3, 2)!, second: t.number(c + 6, 2)!, duration: d, ext: tk[4], trunk: tk[tk.count - 1],
                    rest: tk[5].lowerBound..<tk[tk.count - 1].lowerBound, official: true)
            }
            // DBS-90 capture: Ext Trunk DD MM HH:MM H:MM.SS T digits …
            guard tk.count >= 7, digits(t, tk[0]), tk[0].count <= 5, digits(t, tk[1]), tk[1].count <= 3, tk[2].count == 2,
                tk[3].count == 2, let day = t.number(tk[2].lowerBound, 2), let month = t.number(tk[3].lowerBound, 2),
                tk[4].count == 5, t.matches("99:99", at: tk[4].lowerBound), let d = duration(t, tk[5]), tk[6].count == 1,
                isType(t[tk[6].lowerBound])
            else { return nil }
            let c = tk[4].lowerBound
            return Fields(
                type: t[tk[6].lowerBound], month: month, day: day, hour: t.number(c, 2)!, minute: t.number(c + 3, 2)!, second: 0,
                duration: d, ext: tk[0], trunk: tk[1], rest: tk[6].upperBound..<t.count, official: false)
        }

        static func digits(_ t: ByteText, _ r: Range<Int>) -> Bool {
            !r.isEmpty && r.allSatisfy { t[$0].isDigit }
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard let f = Self.shape(t) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: PanasonicDBSFormat.id)) }
                return out.append(
                    line.reject(
                        "expected a DBS call line: Ext Trunk DD MM HH:MM H:MM.SS Type digits (or Type MM/DD HH:MM:SS H:MM.SS Ext digits … Trunk)",
                        format: PanasonicDBSFormat.id))
            }
            let year = years.year(month: f.month, day: f.day)
            guard let civil = CivilDateTime(year: year, month: f.month, day: f.day, hour: f.hour, minute: f.minute, second: f.second) else {
                return out.append(line.reject("invalid date or time (month \(f.month), day \(f.day))", format: PanasonicDBSFormat.id))
            }
            var r = CallRecord(format: PanasonicDBSFormat.id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.extension_ = t.string(f.ext)
            r.trunk = t.string(f.trunk)
            r.durationSeconds = f.duration
            r.answered = f.duration > 0
            r.setExtra("call_type", String(UnicodeScalar(f.type)))
            switch f.type {
            case UInt8(ascii: "I"), UInt8(ascii: "N"), UInt8(ascii: "D"): r.direction = .incoming
            case UInt8(ascii: "O"): r.direction = .outgoing
            case UInt8(ascii: "S"):
                r.direction = .incoming
                r.flags.insert(.disa)
            case UInt8(ascii: "s"):
                r.direction = .outgoing
                r.flags.insert(.disa)
            default: r.flags.insert(.transfer)
            }
            // Digits (or caller ID), then the official account code and V/W code.
            var tokens = ByteText(t.slice(f.rest.lowerBound, f.rest.upperBound)).tokens().map { ($0.lowerBound + f.rest.lowerBound)..<($0.upperBound + f.rest.lowerBound) }
            if let first = tokens.first {
                tokens.removeFirst()
                let s = t.string(first)
                if r.direction == .incoming, s.contains("'"), let ring = t.slice(first.lowerBound, first.upperBound).clockSeconds {
                    r.ringSeconds = ring
                } else {
                    r.dialed = s
                    // `>` is `*` and `<` is `#` on the printout.
                    r.number = s.contains(where: { $0.isLetter }) ? nil : s.phoneDigits
                    if r.number == nil, s.contains(where: \.isLetter) { r.setExtra("caller_name", s) }
                }
            }
            if f.official {
                // Official print: [account] [V/W code].
                for k in tokens {
                    let s = t.string(k)
                    if k.count == 5, (t[k.lowerBound] == UInt8(ascii: "V") || t[k.lowerBound] == UInt8(ascii: "W")) {
                        r.setExtra("auth_code", s)
                    } else if r.accountCode == nil {
                        r.accountCode = s
                    }
                }
            }
            r.setTimes(start: clock.zoned(civil), end: nil, elapsed: r.durationSeconds, zone: clock)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            ["  262  18  17 03 16:41  0:10.30 I 00'02                                000000"],
            options: ParseOptions(timeZone: TimeZone(identifier: "Europe/Moscow")!, year: 2003),
            [
                "start": "\"2003-03-17T16:41:00+03:00\"", "end": "\"2003-03-17T16:51:30+03:00\"", "duration_s": "630",
                "direction": "\"incoming\"", "extension": "\"262\"", "trunk": "\"18\"", "ring_s": "2", "number": "null",
            ]),
        FormatVector(
            ["  267  11  17 03 16:51  0:00.50 O 3663713                              000000"],
            options: ParseOptions(timeZone: TimeZone(identifier: "Europe/Moscow")!, year: 2003),
            ["direction": "\"outgoing\"", "number": "\"3663713\"", "duration_s": "50", "account_code": "null"]),
        FormatVector(
            ["O 03/17 16:51:10  0:00.50 267 3663713>12 1234 V0042 11"],
            options: ParseOptions(timeZone: TimeZone(identifier: "Europe/Moscow")!, year: 2003),
            [
                "start": "\"2003-03-17T16:51:10+03:00\"", "extension": "\"267\"", "trunk": "\"11\"", "dialed": "\"3663713>12\"",
                "number": "\"366371312\"", "account_code": "\"1234\"", "auth_code": "\"V0042\"",
            ]),
    ]
}
