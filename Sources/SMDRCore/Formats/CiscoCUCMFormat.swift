/// Cisco Unified CM CDR files (`cdr_<cluster>_<node>_<datetime>_<seq>`): a header line of quoted
/// field names, a line of field types, then CSV records. Times are epoch seconds (UTC).
///
/// Source: Cisco CDR documentation (file format); `shared/reference/formats/asterisk-3cx-cucm.md`.
/// Columns are found by name in the header, so any CUCM release's column set reads:
/// `dateTimeOrigination`, `dateTimeConnect` (0 = never connected), `dateTimeDisconnect`,
/// `duration`, `callingPartyNumber`, `originalCalledPartyNumber`, `finalCalledPartyNumber`,
/// `origDeviceName`, `destDeviceName`, `globalCallID_callManagerId` + `globalCallID_callId`
/// (`call_id`), `authCodeDescription` / `clientMatterCode` (account code). CMR records
/// (`cdrRecordType` 2) are skipped. CUCM does not say which party is the site's: `direction` is
/// null and `extension` is the calling party.
public enum CiscoCUCMFormat: SMDRFormat {
    public static let id = "cisco-cucm"
    public static let title = "Cisco Unified CM CDR file (header-named CSV, epoch UTC times)"

    public static func claim(_ lines: [String]) -> Int {
        lines.contains { $0.hasPrefix("\"cdrRecordType\"") || $0.hasPrefix("cdrRecordType,") } ? 95 : 0
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        var columns: [String: Int] = [:]
        var typesLineNext = false
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let f = CSVSplitter.split(line.bytes)
            if f.first == "cdrRecordType" {
                columns = Dictionary(f.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
                typesLineNext = true
                return out.append(line.skip(.columnHeader))
            }
            if typesLineNext || f.first == "INTEGER" {
                typesLineNext = false
                return out.append(line.skip(.columnHeader, "column types"))
            }
            guard !columns.isEmpty else {
                return out.append(line.reject("a CUCM CDR file starts with its header line (\"cdrRecordType\",…): without it the columns are unknown", format: id))
            }
            func v(_ name: String) -> String? { columns[name].flatMap { $0 < f.count ? f[$0].nonBlank : nil } }
            if v("cdrRecordType") == "2" { return out.append(line.skip(.event, "CMR record (call quality)")) }
            guard let origination = v("dateTimeOrigination").flatMap(Int64.init) else {
                return out.append(line.reject("dateTimeOrigination (epoch seconds) missing", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.start = clock.zoned(utc: origination)
            if let d = v("dateTimeDisconnect").flatMap(Int64.init), d > 0 { r.end = clock.zoned(utc: d) }
            let connect = v("dateTimeConnect").flatMap(Int64.init) ?? 0
            r.answered = connect > 0
            if connect > 0 { r.ringSeconds = Int(connect - origination) }
            r.durationSeconds = v("duration").flatMap { Int($0) }
            r.extension_ = v("callingPartyNumber")
            r.number = (v("finalCalledPartyNumber") ?? v("originalCalledPartyNumber"))?.phoneDigits
            r.dialed = v("originalCalledPartyNumber")
            r.accountCode = v("clientMatterCode") ?? v("authCodeDescription")
            if let m = v("globalCallID_callManagerId"), let c = v("globalCallID_callId") { r.callID = "\(m)-\(c)" }
            if let orig = v("originalCalledPartyNumber"), let fin = v("finalCalledPartyNumber"), orig != fin { r.flags.insert(.forward) }
            for key in ["origDeviceName", "destDeviceName", "originalCalledPartyNumber", "finalCalledPartyNumber", "lastRedirectDn", "huntPilotDN"] {
                r.setExtra(key, v(key))
            }
            out.append(.record(r))
        }
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [
                #""cdrRecordType","globalCallID_callManagerId","globalCallID_callId","dateTimeOrigination","callingPartyNumber","originalCalledPartyNumber","finalCalledPartyNumber","dateTimeConnect","dateTimeDisconnect","duration","origDeviceName","destDeviceName""#,
                "INTEGER,INTEGER,INTEGER,INTEGER,VARCHAR(50),VARCHAR(50),VARCHAR(50),INTEGER,INTEGER,INTEGER,VARCHAR(129),VARCHAR(129)",
                #"1,2,123456,1793779920,"2001","90142681234","90142681234",1793779925,1793780085,160,"SEP001122334455","CUBE-GW""#,
            ],
            [
                "start": "\"2026-11-04T09:12:00+01:00\"", "end": "\"2026-11-04T09:14:45+01:00\"", "duration_s": "160", "ring_s": "5",
                "answered": "true", "extension": "\"2001\"", "number": "\"90142681234\"", "call_id": "\"2-123456\"", "direction": "null",
            ])
    ]
}
