/// Avaya Communication Manager (Definity, S8xxx) CDR: fixed-width records on the CDR link.
///
/// Source: `shared/reference/formats/other-families.md`, "Avaya Communication Manager". Two of CM's
/// record formats are documented there and read here, recognised per line:
///
/// **Customized** (CM `change system-parameters cdr`, primary format *customized*, month/day dates),
/// the 97-character record of the OlegPowerC/avayacdrparce tool (third-party; no sample). 1-based:
///
/// | columns | field | canonical |
/// |---|---|---|
/// | 1-6 | date `mmddyy` (`ddmmyy` with `--date-order dmy`, CM's day/month setting) | `end` |
/// | 8-11 | time `hhmm` | `end` |
/// | 13-17 | sec-dur: duration in seconds | `duration_s` |
/// | 19-33 | calling-num | `extension` (outgoing), `number` (incoming) |
/// | 35-57 | dialed-num | `dialed`; `number` (outgoing), `extension` (incoming) |
/// | 59-71 | auth-code | `auth_code` |
/// | 73-76 | in-trk-code: incoming trunk access code | `trunk` (incoming) |
/// | 77-79 | in-crt-id: incoming circuit (trunk member) | `incoming_circuit_id` |
/// | 81-84 | code-dial: access code dialled | `code_dial` |
/// | 86-89 | code-used: access code of the trunk group used | `trunk` (outgoing) |
/// | 90-92 | out-crt-id: outgoing circuit | `outgoing_circuit_id` |
/// | 94 | cond-code: condition code | `condition_code` |
/// | 96-97 | CR LF | |
///
/// **TELESEER / ISDN TELESEER** (*DEFINITY ECS R8.2 Administrator's Guide*, "CDR Data Format";
/// official). No date: `start` and `end` are null and the printed time is kept as `time_of_day`.
/// The record ends with LF at 77 and NUL padding at 78-80 (the framer drops the NULs).
///
/// | columns | field | canonical |
/// |---|---|---|
/// | 1-3 | not described | |
/// | 4-5, 6-7 | time of day, hours and minutes | `time_of_day` |
/// | 8, 9-10, 11 | duration: hours, minutes, **tenths of a minute** (6-second steps) | `duration_s` |
/// | 12 | condition code | `condition_code` |
/// | 13-15 | IXC (inter-exchange carrier code) | `carrier` |
/// | 16-18 | access code used | `trunk` (outgoing) |
/// | 19-33 | dialed number | `dialed`; `number` (outgoing), `extension` (incoming) |
/// | 34-38 | calling number | `extension` (outgoing), `number` (incoming) |
/// | 39-53 | account code | `account_code` |
/// | 54 | INS, units digit | `isdn_network_service` |
/// | 55 | FRL (facility restriction level) | `frl` |
/// | 56-58 | incoming circuit id | `incoming_circuit_id` |
/// | 59-61 | outgoing circuit id | `outgoing_circuit_id` |
/// | 62 | feature flag | `feature_flag` |
/// | 63-69 | authorization code | `auth_code` |
/// | 70-71 | INS, hundreds and tens | `isdn_network_service` |
/// | 77, 78-80 | LF, NUL NUL NUL | |
///
/// Direction from the trunk fields the record fills: an incoming trunk (access code or circuit)
/// only = incoming; an outgoing one (access code used, or circuit) only = outgoing; both = tandem
/// (direction null, flag `tandem`, the incoming access code in `trunk`, the one used in
/// `outgoing_trunk`, the calling number in `calling_number`); neither = null. Condition-code
/// meanings are not in the shared reference: the code is kept as printed, and `answered` stays
/// null (a duration on a trunk without answer supervision does not prove an answer).
///
/// **Start or end** (customized): the shared reference does not say. CM writes a record when the
/// call ends, and Avaya's CDR data dictionary (recalled, not among the project's references) gives
/// the date and time as those of the end of the call: they are read as the **end**, and the start
/// is the end minus the duration. To be confirmed on a real CM.
///
/// CM's *unformatted* and other fixed formats (printer, 59-character, LSU, INT-ISDN…) are not
/// described in the reference and are not read: their lines are rejected.
public enum AvayaCMFormat: SMDRFormat {
    public static let id = "avaya-cm"
    public static let title = "Avaya Communication Manager / Definity CDR (customized 97-character, TELESEER)"

    enum Layout { case customized, teleseer }

    @inline(__always) static func blankOrDigits(_ t: ByteText, _ from: Int, _ to: Int, extra: [UInt8] = []) -> Bool {
        for i in from..<to where !(t[i].isBlank || t[i].isDigit || extra.contains(t[i])) { return false }
        return true
    }

    static let dialMarks: [UInt8] = [UInt8(ascii: "*"), UInt8(ascii: "#")]

    /// The layout of one line, from where its digits and blanks fall.
    static func layout(of t: ByteText) -> Layout? {
        if t.count >= 94, t.count <= 97, t.matches("999999 9999 ", at: 0) {
            for i in [17, 33, 57, 71, 79, 84, 92] where !t[i].isBlank { return nil }
            guard t[16].isDigit, blankOrDigits(t, 12, 17), !t[93].isBlank, blankOrDigits(t, 72, 79), blankOrDigits(t, 80, 92, extra: dialMarks) else {
                return nil
            }
            guard let h = t.number(7, 2), h < 24, let m = t.number(9, 2), m < 60 else { return nil }
            let a = t.number(0, 2)!, b = t.number(2, 2)!
            guard (1...12).contains(a) || (1...12).contains(b), (1...31).contains(a), (1...31).contains(b) else { return nil }
            return .customized
        }
        if t.count >= 34, t.count <= 80, let h = t.number(3, 2), h < 24, let m = t.number(5, 2), m < 60, let dm = t.number(8, 2), dm < 60, t[7].isDigit,
            t[10].isDigit, t[11].isUpperLetter || t[11].isDigit
        {
            guard blankOrDigits(t, 0, 3), blankOrDigits(t, 12, 18, extra: dialMarks), blankOrDigits(t, 18, 33, extra: dialMarks), blankOrDigits(t, 33, 38),
                blankOrDigits(t, 53, 61), blankOrDigits(t, 69, 80), !(t.field(18, 33).isEmpty && t.field(33, 38).isEmpty)
            else { return nil }
            return .teleseer
        }
        return nil
    }

    public static func claim(_ lines: [String]) -> Int {
        FormatDetector.share(lines, base: 50) { layout(of: ByteText($0)) != nil }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        let dayFirst: Bool
        init(_ options: ParseOptions) {
            clock = ZoneClock(timeZone: options.timeZone)
            dayFirst = options.dateOrder == .dmy
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard let layout = AvayaCMFormat.layout(of: t) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(
                    line.reject(
                        "not an Avaya CM record this reader knows: customized (mmddyy hhmm sec-dur …, 94-97 columns, condition code at 94) or TELESEER (hhmm at 4-7, duration h mm tenths at 8-11, at most 80 columns)",
                        format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            let calling: String?, dialed: String?, inTrunk: String?, usedCode: String?
            let inCircuit: String?, outCircuit: String?
            switch layout {
            case .customized:
                let a = t.number(0, 2)!, b = t.number(2, 2)!
                let (month, day) = dayFirst ? (b, a) : (a, b)
                guard let civil = CivilDateTime(year: 2000 + t.number(4, 2)!, month: month, day: day, hour: t.number(7, 2)!, minute: t.number(9, 2)!, second: 0) else {
                    return out.append(line.reject("invalid date '\(t.string(0, 6) ?? "")' (\(dayFirst ? "ddmmyy" : "mmddyy"); set --date-order to CM's CDR date format)", format: id))
                }
                guard let seconds = t.field(12, 17).int else { return out.append(line.reject("sec-dur at columns 13-17 is not a number of seconds", format: id)) }
                r.durationSeconds = seconds
                r.setTimes(start: nil, end: clock.zoned(civil), elapsed: seconds, zone: clock)
                calling = t.string(18, 33)
                dialed = t.string(34, 57)
                inTrunk = t.string(72, 76)
                inCircuit = t.string(76, 79)
                usedCode = t.string(85, 89)
                outCircuit = t.string(89, 92)
                r.setExtra("auth_code", t.string(58, 71))
                r.setExtra("code_dial", t.string(80, 84))
                r.setExtra("condition_code", t.string(93, 94))
                r.setExtra("layout", "customized")
            case .teleseer:
                r.durationSeconds = t.number(7, 1)! * 3600 + t.number(8, 2)! * 60 + t.number(10, 1)! * 6
                r.setExtra("time_of_day", "\(t.string(3, 5)!):\(t.string(5, 7)!)")
                calling = t.string(33, 38)
                dialed = t.string(18, 33)
                inTrunk = nil
                inCircuit = t.string(55, 58)
                usedCode = t.string(15, 18)
                outCircuit = t.string(58, 61)
                r.accountCode = t.string(38, 53)
                r.setExtra("condition_code", t.string(11, 12))
                r.setExtra("carrier", t.string(12, 15))
                r.setExtra("frl", t.string(54, 55))
                r.setExtra("feature_flag", t.string(61, 62))
                r.setExtra("auth_code", t.string(62, 69))
                let ins = (t.slice(69, 71) + t.slice(53, 54)).filter { !$0.isBlank }
                r.setExtra("isdn_network_service", ins.isEmpty ? nil : ArraySlice(ins).decoded)
                r.setExtra("layout", "teleseer")
            }
            let incoming = inTrunk != nil || inCircuit != nil
            let outgoing = usedCode != nil || outCircuit != nil
            r.dialed = dialed
            if incoming && outgoing {
                r.flags.insert(.tandem)
                r.trunk = inTrunk
                r.number = dialed?.phoneDigits
                r.setExtra("calling_number", calling)
                r.setExtra("outgoing_trunk", usedCode)
            } else if incoming {
                r.direction = .incoming
                r.trunk = inTrunk
                r.extension_ = dialed
                r.number = calling?.phoneDigits
            } else {
                if outgoing {
                    r.direction = .outgoing
                    r.trunk = usedCode
                }
                r.extension_ = calling
                r.number = dialed?.phoneDigits
            }
            r.setExtra("incoming_circuit_id", inCircuit)
            r.setExtra("outgoing_circuit_id", outCircuit)
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    public static let vectors: [FormatVector] = [
        // Customized: outgoing call through trunk access code 701, member 005, 95 seconds.
        FormatVector(
            ["110426 0931 00095 2201            0142681234              123456                9    701 005 A "],
            [
                "end": "\"2026-11-04T09:31:00+01:00\"", "start": "\"2026-11-04T09:29:25+01:00\"", "duration_s": "95", "extension": "\"2201\"",
                "number": "\"0142681234\"", "dialed": "\"0142681234\"", "direction": "\"outgoing\"", "trunk": "\"701\"", "auth_code": "\"123456\"",
                "code_dial": "\"9\"", "outgoing_circuit_id": "\"005\"", "condition_code": "\"A\"", "answered": "null", "layout": "\"customized\"",
            ]),
        // TELESEER: 1 minute 3 tenths, incoming on circuit 012 to extension 2205; no date.
        FormatVector(
            ["   143200139      2205                                 012                  "],
            [
                "start": "null", "end": "null", "time_of_day": "\"14:32\"", "duration_s": "78", "condition_code": "\"9\"", "direction": "\"incoming\"",
                "extension": "\"2205\"", "number": "null", "incoming_circuit_id": "\"012\"",
            ]),
    ]
}
