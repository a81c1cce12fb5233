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
/// Variants:
/// - `newcdrcolumns = yes` in cdr.conf: 21 columns, the 18 above then `peeraccount`, `linkedid`
///   (shared by every leg of one call) and `sequence` (extras).
/// - `cdr_custom` (and `cdr_adaptive` exports) write the columns the site's template names, in its
///   order. A header line naming them (`accountcode,src,dst,…` or quoted, `calldate` for `start`,
///   FreePBX's `did`, `cnum`, `cnam`, `recordingfile` …) sets the column order for the lines after
///   it; times there may also be epoch seconds (`${CDR(start,u)}`). Without `duration`/`billsec`
///   columns they are computed from start, answer and end.
///
/// Asterisk does not say which side is the site's: without a telling context, `direction` is null.
/// FreeSWITCH's Master.csv has another column order: describe it with a custom format.
public enum AsteriskCSVFormat: SMDRFormat {
    public static let id = "asterisk-csv"
    public static let title = "Asterisk cdr_csv Master.csv (18 or 21 columns; cdr_custom order from a header line)"

    static let masterColumns = [
        "accountcode", "src", "dst", "dcontext", "clid", "channel", "dstchannel", "lastapp", "lastdata", "start", "answer", "end", "duration",
        "billsec", "disposition", "amaflags", "uniqueid", "userfield", "peeraccount", "linkedid", "sequence",
    ]
    static let masterMap: [String: Int] = Dictionary(uniqueKeysWithValues: masterColumns.enumerated().map { ($0.element, $0.offset) })
    static let knownNames: Set<String> = Set(masterColumns).union([
        "calldate", "did", "cnum", "cnam", "outbound_cnum", "outbound_cnam", "dst_cnam", "recordingfile",
    ])

    /// A header line naming Asterisk CDR columns: the column names, or nil.
    static func headerNames(_ f: [String]) -> [String]? {
        guard f.count >= 4 else { return nil }
        var names: [String] = []
        var known = 0
        for raw in f {
            var n = raw.trimmingBlanks.lowercased()
            if n.hasPrefix("${cdr("), n.hasSuffix(")}") { n = String(n.dropFirst(6).dropLast(2)) }
            guard !n.isEmpty, n.utf8.allSatisfy({ $0.isLetter || $0.isDigit || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else { return nil }
            if n == "calldate" { n = "start" }
            if knownNames.contains(n) { known += 1 }
            names.append(n)
        }
        guard known * 10 >= names.count * 7, names.contains("start") || names.contains("end") || names.contains("answer") else { return nil }
        return names
    }

    static func isMasterLine(_ f: [String]) -> Bool {
        (17...22).contains(f.count) && ByteText(f[9]).matches("9999-99-99 99:99:99", at: 0)
    }

    public static func claim(_ lines: [String]) -> Int {
        var header = false
        let share = FormatDetector.share(lines, base: 60) { l in
            let f = CSVSplitter.split(ArraySlice(l.utf8))
            if headerNames(f) != nil {
                header = true
                return true
            }
            return isMasterLine(f)
        }
        return header ? max(share, 90) : share
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
        /// Column order from a header line (cdr_custom); nil = Master.csv order.
        var columns: [String: Int]?
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        /// `YYYY-MM-DD HH:MM:SS` local time, or epoch seconds (optionally with a fraction).
        func stamp(_ s: String) -> ZonedTime? {
            let t = ByteText(s)
            if t.matches("9999-99-99 99:99:99", at: 0) {
                guard let c = CivilDateTime(year: t.number(0, 4)!, month: t.number(5, 2)!, day: t.number(8, 2)!, hour: t.number(11, 2)!, minute: t.number(14, 2)!, second: t.number(17, 2)!)
                else { return nil }
                return clock.zoned(c)
            }
            let whole = s.split(separator: ".", maxSplits: 1).first.map(String.init) ?? s
            guard (9...11).contains(whole.utf8.count), let e = Int64(whole), e > 0 else { return nil }
            return clock.zoned(utc: e)
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let f = CSVSplitter.split(line.bytes)
            if let names = AsteriskCSVFormat.headerNames(f) {
                columns = Dictionary(names.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
                return out.append(line.skip(.columnHeader))
            }
            let map: [String: Int]
            if let columns {
                map = columns
            } else {
                guard f.count >= 17 else {
                    if !line.text.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                    return out.append(line.reject("Master.csv has 18 (or 21) columns; this line has \(f.count)", format: id))
                }
                map = AsteriskCSVFormat.masterMap
            }
            func v(_ name: String) -> String? { map[name].flatMap { $0 < f.count ? f[$0].nonBlank : nil } }
            guard let startText = v("start"), let start = stamp(startText), let endText = v("end"), let end = stamp(endText) else {
                if !line.text.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("start and end must be YYYY-MM-DD HH:MM:SS (or epoch seconds) in their columns", format: id))
            }
            let answer = v("answer").flatMap(stamp)
            var duration: Int, billsec: Int
            if map["duration"] != nil || map["billsec"] != nil {
                guard let d = v("duration").flatMap({ Int($0) }), let b = v("billsec").flatMap({ Int($0) }) else {
                    return out.append(line.reject("duration and billsec must be whole seconds", format: id))
                }
                duration = d
                billsec = b
            } else {
                duration = max(0, Int(end.utc - start.utc))
                billsec = answer.map { max(0, Int(end.utc - $0.utc)) } ?? 0
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.start = start
            r.end = end
            r.durationSeconds = billsec
            r.ringSeconds = max(0, duration - billsec)
            let disposition = v("disposition")
            r.answered = disposition.map { $0 == "ANSWERED" } ?? (answer != nil)
            r.accountCode = v("accountcode")
            r.callID = v("uniqueid")
            let src = v("src") ?? v("cnum"), dst = v("dst")
            var direction = AsteriskCSVFormat.direction(context: v("dcontext") ?? "")
            if direction == .outgoing, let d = dst, d.count <= 5 { direction = .internal }
            r.direction = direction
            // clid: "Name" <number>
            let clid = v("clid") ?? ""
            var callerName: String?
            if let lt = clid.firstIndex(of: "<") {
                callerName = clid[..<lt].trimmingCharacters(in: " \"").nonEmpty
            } else {
                callerName = v("cnam")
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
            let lastapp = v("lastapp")
            if lastapp == "VoiceMail" { r.flags.insert(.voicemail) }
            if lastapp == "Transfer" { r.flags.insert(.transfer) }
            r.setExtra("calling_number", src)
            r.setExtra("called_number", dst)
            r.setExtra("dcontext", v("dcontext"))
            r.setExtra("channel", v("channel"))
            r.setExtra("dstchannel", v("dstchannel"))
            r.setExtra("lastapp", lastapp)
            r.setExtra("disposition", disposition)
            r.setExtra("answer", v("answer"))
            r.setExtra("amaflags", v("amaflags"))
            r.setExtra("userfield", v("userfield"))
            r.setExtra("peeraccount", v("peeraccount"))
            r.setExtra("linkedid", v("linkedid"))
            r.setExtra("sequence", v("sequence"))
            r.setExtra("did", v("did"))
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
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
        // newcdrcolumns = yes: 21 columns.
        FormatVector(
            [#""","0612345678","201","from-trunk","""Acme"" <0612345678>","SIP/trunk-0001","SIP/201-0002","Dial","SIP/201,30","2026-11-04 09:12:00","2026-11-04 09:12:09","2026-11-04 09:14:49",169,160,"ANSWERED","DOCUMENTATION","1762243920.12","","","1762243920.11","42""#],
            ["direction": "\"incoming\"", "extension": "\"201\"", "duration_s": "160", "linkedid": "\"1762243920.11\"", "sequence": "\"42\"", "userfield": "null"]),
        // cdr_custom: the order comes from a header line; epoch times; no duration columns.
        FormatVector(
            [
                "calldate,clid,src,dst,dcontext,answer,end,disposition,uniqueid",
                #""1793779920","""Marie"" <201>","201","0142681234","outbound-allroutes","1793779925","1793780085","ANSWERED","1793779920.7""#,
            ],
            [
                "start": "\"2026-11-04T09:12:00+01:00\"", "end": "\"2026-11-04T09:14:45+01:00\"", "duration_s": "160", "ring_s": "5",
                "direction": "\"outgoing\"", "extension": "\"201\"", "number": "\"0142681234\"", "answered": "true",
            ]),
    ]
}
