/// Asterisk `cdr_csv` Master.csv: 18 RFC 4180 columns.
///
/// Source: Asterisk CDR documentation and `cdr_csv.c`; `shared/reference/formats/asterisk-3cx-cucm.md`.
///
/// | # | column | canonical |
/// |---|---|---|
/// | 1 | accountcode | `account_code` |
/// | 2, 3 | src, dst | `extension` / `number` by direction |
/// | 4 | dcontext | `direction` when the context names it (`from-trunk`, `from-pstn`, `inbound`… = incoming; `from-internal`, `outbound`… = outgoing or internal) |
/// | 5 | clid (`"Name" <number>`) | `extension_name` / caller |
/// | 6, 7 | channel, dstchannel | extras |
/// | 10-12 | start, answer (empty if unanswered), end `YYYY-MM-DD HH:MM:SS` | `start`, `end` |
/// | 13, 14 | duration (start→end), billsec (answer→end) | `ring_s` = duration − billsec, `duration_s` = billsec |
/// | 15 | disposition `ANSWERED`, `NO ANSWER`, `BUSY`, `FAILED` | `answered` |
/// | 17 | uniqueid (shared by the legs of one call through Local channels) | `call_id` |
///
/// Asterisk does not say which side is the site's: without a telling context, `direction` is null.
/// FreeSWITCH's Master.csv has another column order: describe it with a custom format.
public enum AsteriskCSVFormat: SMDRFormat {
    public static let id = "asterisk-csv"
    public static let title = "Asterisk cdr_csv Master.csv (18 columns)"

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 60) { l in
            let f = CSVSplitter.split(ArraySlice(l.utf8))
            return (17...19).contains(f.count) && ByteText(f[9]).matches("9999-99-99 99:99:99", at: 0)
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    static func direction(context: String) -> Direction? {
        let c = context.lowercased()
        if ["from-trunk", "from-pstn", "from-did", "inbound", "incoming", "from-external"].contains(where: c.contains) { return .incoming }
        if ["outbound", "outgoing", "to-pstn", "to-trunk"].contains(where: c.contains) { return .outgoing }
        return nil
    }

    struct Parser: RecordParser {
        let clock: ZoneClock
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        func stamp(_ s: String) -> ZonedTime? {
            let t = ByteText(s)
            guard t.matches("9999-99-99 99:99:99", at: 0),
                let c = CivilDateTime(year: t.number(0, 4)!, month: t.number(5, 2)!, day: t.number(8, 2)!, hour: t.number(11, 2)!, minute: t.number(14, 2)!, second: t.number(17, 2)!)
            else { return nil }
            return clock.zoned(c)
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let f = CSVSplitter.split(line.bytes)
            guard f.count >= 17 else {
                if !line.text.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("Master.csv has 18 columns; this line has \(f.count)", format: id))
            }
            guard let start = stamp(f[9]), let end = stamp(f[11]) else {
                return out.append(line.reject("start (column 10) and end (column 12) must be YYYY-MM-DD HH:MM:SS", format: id))
            }
            guard let duration = Int(f[12]), let billsec = Int(f[13]) else {
                return out.append(line.reject("duration and billsec (columns 13, 14) must be whole seconds", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.start = start
            r.end = end
            r.durationSeconds = billsec
            r.ringSeconds = max(0, duration - billsec)
            r.answered = f[14] == "ANSWERED"
            r.accountCode = f[0].nonBlank
            r.callID = f[16].nonBlank
            let src = f[1].nonBlank, dst = f[2].nonBlank
            var direction = AsteriskCSVFormat.direction(context: f[3])
            if direction == .outgoing, let d = dst, d.count <= 5 { direction = .internal }
            r.direction = direction
            // clid: "Name" <number>
            let clid = f[4]
            var callerName: String?
            if let lt = clid.firstIndex(of: "<") {
                callerName = clid[..<lt].trimmingCharacters(in: " \"").nonEmpty
            }
            switch direction {
            case .incoming:
                r.extension_ = dst
                r.number = src?.phoneDigits
                r.setExtra("caller_name", callerName)
            default:
                r.extension_ = src
                r.extensionName = callerName
                r.number = dst?.phoneDigits
            }
            r.dialed = dst
            if f[7] == "VoiceMail" { r.flags.insert(.voicemail) }
            if f[7] == "Transfer" { r.flags.insert(.transfer) }
            r.setExtra("src", src)
            r.setExtra("dst", dst)
            r.setExtra("dcontext", f[3].nonBlank)
            r.setExtra("clid", clid.nonBlank)
            r.setExtra("channel", f[5].nonBlank)
            r.setExtra("dstchannel", f[6].nonBlank)
            r.setExtra("lastapp", f[7].nonBlank)
            r.setExtra("disposition", f[14].nonBlank)
            r.setExtra("answer", f[10].nonBlank)
            r.setExtra("amaflags", f[15].nonBlank)
            if f.count > 17 { r.setExtra("userfield", f[17].nonBlank) }
            out.append(.record(r))
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [#""","0612345678","201","from-trunk","""Acme"" <0612345678>","SIP/trunk-0001","SIP/201-0002","Dial","SIP/201,30","2026-11-04 09:12:00","2026-11-04 09:12:09","2026-11-04 09:14:49",169,160,"ANSWERED","DOCUMENTATION","1762243920.12","""#],
            [
                "start": "\"2026-11-04T09:12:00+01:00\"", "end": "\"2026-11-04T09:14:49+01:00\"", "duration_s": "160", "ring_s": "9",
                "direction": "\"incoming\"", "extension": "\"201\"", "number": "\"0612345678\"", "answered": "true", "caller_name": "\"Acme\"",
                "call_id": "\"1762243920.12\"",
            ]),
        FormatVector(
            [#""4711","201","0142681234","outbound-allroutes","""Marie"" <201>","SIP/201-0003","SIP/trunk-0004","Dial","SIP/trunk/0142681234","2026-11-04 10:00:00",,"2026-11-04 10:00:30",30,0,"NO ANSWER","DOCUMENTATION","1762246800.15","""#],
            ["direction": "\"outgoing\"", "answered": "false", "extension": "\"201\"", "extension_name": "\"Marie\"", "account_code": "\"4711\"", "duration_s": "0"]),
    ]
}
