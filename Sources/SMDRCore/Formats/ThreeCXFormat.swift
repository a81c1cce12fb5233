/// 3CX call detail records (CSV over the "active socket" or in files).
///
/// Source: a real record from dorel14/3CX-Cdr-Server; `shared/reference/formats/asterisk-3cx-cucm.md`.
/// The column order is configurable in 3CX: a header line naming the columns is honoured;
/// otherwise the 27-column order below (the one of the published record) is used.
///
/// `historyid, callid, duration, time_start, time_answered, time_end, reason_terminated, from_no,
/// to_no, from_dn, to_dn, dial_no, reason_changed, final_number, final_dn, bill_code, bill_rate,
/// bill_cost, bill_name, chain, from_type, to_type, final_type, from_dispname, to_dispname,
/// final_dispname, missed_queue_calls`
///
/// The first 20 of these columns (up to `chain`) are the older 3CX default (v15/v16-era
/// configurations): a 20-column line reads the same, without the party types and display names.
/// Header names may be written with `-` or `_` (`time-start`, `time_start`).
///
/// Times `YYYY/MM/DD HH:MM:SS`; `duration` (`hh:mm:ss`) is talk time (end − answered), ring =
/// answered − start. Direction from the party types: Extension → Line outgoing, Line → Extension
/// incoming, Extension → Extension internal. Without the type columns (20-column layout) the
/// party numbers tell: `Ext.nnn` is an extension, a number (digits, `+`, masking `X`) an outside
/// party: Ext. → number outgoing, number → anything incoming, Ext. → Ext. internal.
///
/// Masked numbers (`070XXXXXXX`, sites that anonymise CDRs): `number` is null (the digits left are
/// a prefix, not the party), `dialed` keeps what was printed.
public enum ThreeCXFormat: SMDRFormat {
    public static let id = "3cx"
    /// 3CX's column names → the field vocabulary's names.
    static let extraNames: KeyValuePairs<String, String> = [
        "historyid": "history_id",
        "reason_terminated": "disposition",
        "reason_changed": "change_reason",
        "from_no": "calling_number",
        "to_no": "called_number",
        "to_dn": "called_device",
        "final_number": "final_called_number",
        "final_dn": "final_device",
        "bill_code": "bill_code",
        "bill_rate": "bill_rate",
        "bill_name": "bill_name",
        "chain": "chain",
        "from_type": "calling_type",
        "to_type": "called_type",
        "final_type": "final_type",
        "to_dispname": "called_name"
    ]
    public static let title = "3CX CDR (CSV; 27- or 20-column default order, or a header line)"

    static let defaultColumns = [
        "historyid", "callid", "duration", "time_start", "time_answered", "time_end", "reason_terminated", "from_no", "to_no", "from_dn",
        "to_dn", "dial_no", "reason_changed", "final_number", "final_dn", "bill_code", "bill_rate", "bill_cost", "bill_name", "chain",
        "from_type", "to_type", "final_type", "from_dispname", "to_dispname", "final_dispname", "missed_queue_calls",
    ]

    public static func claim(_ lines: [String]) -> Int {
        var score = 0
        for l in lines {
            if l.hasPrefix("historyid,") || l.hasPrefix("\"historyid\",") { score += 60 }
            let f = CSVSplitter.split(ArraySlice(l.utf8))
            if f.count >= 20, ByteText(f[3]).matches("9999/99/99 99:99:99", at: 0) || f.contains(where: { $0.hasPrefix("Chain:") }) { score += 40 }
        }
        return min(score, 95)
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    /// An outside party's number: digits with an optional `+`, `*`, `#`, or masking `X`.
    static func isOutsideNumber(_ s: String) -> Bool {
        var digits = 0
        for b in s.utf8 {
            if b.isDigit { digits += 1 } else if b != UInt8(ascii: "+") && b != UInt8(ascii: "X") && b != UInt8(ascii: "x") && b != UInt8(ascii: "*") && b != UInt8(ascii: "#") { return false }
        }
        return digits > 0 || !s.isEmpty && s.utf8.allSatisfy { $0 == UInt8(ascii: "X") || $0 == UInt8(ascii: "x") }
    }

    /// The digits of a party number; `nil` when the number is masked (`070XXXXXXX`).
    static func partyNumber(_ s: String?) -> String? {
        guard let s else { return nil }
        let body = s.hasPrefix("Ext.") ? Substring(s).dropFirst(4) : Substring(s)
        if body.utf8.contains(where: { $0 == UInt8(ascii: "X") || $0 == UInt8(ascii: "x") }) { return nil }
        return s.phoneDigits
    }

    struct Parser: RecordParser {
        let clock: ZoneClock
        var columns = ThreeCXFormat.defaultColumns
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        func stamp(_ s: String?) -> ZonedTime? {
            guard let s else { return nil }
            let t = ByteText(s)
            guard t.matches("9999/99/99 99:99:99", at: 0) || t.matches("9999-99-99 99:99:99", at: 0),
                let c = CivilDateTime(year: t.number(0, 4)!, month: t.number(5, 2)!, day: t.number(8, 2)!, hour: t.number(11, 2)!, minute: t.number(14, 2)!, second: t.number(17, 2)!)
            else { return nil }
            return clock.zoned(c)
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let f = CSVSplitter.split(line.bytes)
            if f.first == "historyid" {
                columns = f.map { String($0.trimmingBlanks.map { $0 == "-" ? "_" : $0 }) }
                return out.append(line.skip(.columnHeader))
            }
            var v: [String: String] = [:]
            for (name, value) in zip(columns, f) { if let x = value.nonBlank { v[name] = x } }
            guard f.count >= 6, let start = stamp(v["time_start"]) else {
                if !line.text.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("3CX record without a readable time_start (YYYY/MM/DD HH:MM:SS) in its column", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            let answered = stamp(v["time_answered"])
            r.start = start
            r.end = stamp(v["time_end"])
            r.durationSeconds = v["duration"].flatMap { ArraySlice($0.utf8).clockSeconds }
            r.answered = answered != nil
            if let a = answered { r.ringSeconds = Int(a.utc - start.utc) }
            let fromType = v["from_type"] ?? "", toType = v["to_type"] ?? ""
            let fromExt = fromType.hasPrefix("Extension"), toExt = toType.hasPrefix("Extension")
            let fromLine = fromType == "Line", toLine = toType == "Line"
            if fromExt && toLine {
                r.direction = .outgoing
            } else if fromLine {
                r.direction = .incoming
            } else if fromExt && toExt {
                r.direction = .internal
            } else if fromType.isEmpty && toType.isEmpty {
                // 20-column layout: no party types; the party numbers tell.
                let fromNo = v["from_no"] ?? "", toNo = v["to_no"] ?? ""
                let fromIsExt = fromNo.hasPrefix("Ext."), toIsExt = toNo.hasPrefix("Ext.")
                if fromIsExt && toIsExt {
                    r.direction = .internal
                } else if fromIsExt && ThreeCXFormat.isOutsideNumber(toNo) {
                    r.direction = .outgoing
                } else if ThreeCXFormat.isOutsideNumber(fromNo) {
                    r.direction = .incoming
                }
            }
            switch r.direction {
            case .incoming:
                r.extension_ = v["final_dn"] ?? v["to_dn"]
                r.extensionName = v["final_dispname"]
                r.number = ThreeCXFormat.partyNumber(v["from_no"])
            default:
                r.extension_ = v["from_dn"]
                r.extensionName = v["from_dispname"]
                r.number = ThreeCXFormat.partyNumber(v["dial_no"] ?? v["to_no"])
            }
            r.dialed = v["dial_no"]
            r.pbxCost = v["bill_cost"].flatMap(Decimals.normalise)
            r.callID = v["callid"]
            if let changed = v["reason_changed"] {
                let c = changed.lowercased()
                if c.contains("transfer") || c.contains("replaced") { r.flags.insert(.transfer) }
                if c.contains("forward") || c.contains("divert") { r.flags.insert(.forward) }
                if c.contains("voicemail") { r.flags.insert(.voicemail) }
            }
            for (key, name) in ThreeCXFormat.extraNames {
                r.setExtra(name, v[key])
            }
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [
                "Call 288831,4cc2c72490010000_26808,00:00:25,2024/06/17 05:59:49,2024/06/17 05:59:58,2024/06/17 06:00:23,TerminatedBySrc,Ext.10016,+46703014082,10016,10020,+46703014082,,+46703014082,10020,default,1,0.43,default,Chain: Ext.10016;+46703014082;,Extension,Line,Line,Backup no2,+46703014082,+46703014082,"
            ],
            [
                "start": "\"2024-06-17T05:59:49+02:00\"", "end": "\"2024-06-17T06:00:23+02:00\"", "duration_s": "25", "ring_s": "9",
                "direction": "\"outgoing\"", "answered": "true", "extension": "\"10016\"", "extension_name": "\"Backup no2\"",
                "number": "\"+46703014082\"", "pbx_cost": "\"0.43\"", "call_id": "\"4cc2c72490010000_26808\"",
            ]),
        // 20-column layout, incoming from a masked number.
        FormatVector(
            [
                "Call 301122,5a1f00c2a1b20000_31002,00:01:10,2024/06/18 09:02:11,2024/06/18 09:02:19,2024/06/18 09:03:29,TerminatedByDst,070XXXXXXX,Ext.10016,10020,10016,,,Ext.10016,10016,,,,,Chain: 070XXXXXXX;Ext.10016;"
            ],
            [
                "direction": "\"incoming\"", "extension": "\"10016\"", "number": "null", "duration_s": "70", "ring_s": "8",
                "start": "\"2024-06-18T09:02:11+02:00\"", "calling_number": "\"070XXXXXXX\"",
            ]),
        // A masked dialled number: dialed keeps it, number is null.
        FormatVector(
            [
                "Call 301123,5a1f00c2a1b20000_31003,00:00:42,2024/06/18 10:00:00,2024/06/18 10:00:06,2024/06/18 10:00:48,TerminatedBySrc,Ext.10016,070XXXXXXX,10016,10020,070XXXXXXX,,070XXXXXXX,10020,,,,,Chain: Ext.10016;070XXXXXXX;"
            ],
            ["direction": "\"outgoing\"", "extension": "\"10016\"", "number": "null", "dialed": "\"070XXXXXXX\"", "duration_s": "42"]),
    ]
}
