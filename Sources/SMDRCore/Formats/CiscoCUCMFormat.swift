/// Cisco Unified CM CDR files (`cdr_<cluster>_<node>_<datetime>_<seq>`): a header line of quoted
/// field names, usually a line of field types, then CSV records. Times are epoch seconds (UTC).
///
/// Source: Cisco CDR documentation (file format, field order); `shared/reference/formats/asterisk-3cx-cucm.md`.
/// Columns are found by name in the header, so any CUCM release's column set reads:
/// `dateTimeOrigination`, `dateTimeConnect` (0 = never connected), `dateTimeDisconnect`,
/// `duration`, `callingPartyNumber`, `originalCalledPartyNumber`, `finalCalledPartyNumber`,
/// `origDeviceName`, `destDeviceName`, the `…Partition` columns, `globalCallID_callManagerId` +
/// `globalCallID_callId` (`call_id`), `authCodeDescription` / `clientMatterCode` (account code).
/// CMR records (`cdrRecordType` 2) are skipped.
///
/// Variants:
/// - The type line (`INTEGER,INTEGER,…,VARCHAR(50)`) is skipped when present; files written
///   without it (exports, some billing servers) start their data on the line after the header.
/// - Headerless files (rows only, e.g. after a collector stripped the two header lines): format
///   `cisco-cucm-noheader` reads them in Cisco's published default column order
///   (``defaultColumns``; the first 71 columns have kept their order since CUCM 4.x, later releases
///   append columns). It is an option: `cisco-cucm` rejects rows until it has seen a header.
///
/// Direction (CUCM prints none; this is the agent's rule, from the devices and partitions):
/// - a **phone** device is one whose name starts with `SEP` (SCCP/SIP phone, by MAC), `CSF`, `BOT`,
///   `TCT`, `TAB` (Jabber clients) or `ATA` (analogue adapter); any other non-empty device name is a
///   gateway or trunk (MGCP endpoints `…@gateway`, H.323 gateways, SIP trunks);
/// - phone → phone: `internal`; phone → gateway/trunk: `outgoing`;
/// - gateway/trunk → phone: `incoming` when `callingPartyNumberPartition` is empty (the calling
///   number belongs to no directory number of the cluster), `internal` when it is set;
/// - gateway/trunk → gateway/trunk: `tandem` flag, direction null; a missing device name: null.
/// Caveat: voicemail reached over a SIP trunk (Unity Connection) reads as outgoing.
/// The site's party is `extension`: the calling number on outgoing and internal calls, the final
/// called number on incoming ones (where `number` is the caller).
public enum CiscoCUCMFormat: SMDRFormat {
    public static let id = "cisco-cucm"
    public static let title = "Cisco Unified CM CDR file (header-named CSV, epoch UTC times)"

    /// Cisco's column names → the field vocabulary's names.
    static let extraNames: KeyValuePairs<String, String> = [
        "origDeviceName": "calling_device", "destDeviceName": "called_device", "originalCalledPartyNumber": "original_called_number",
        "finalCalledPartyNumber": "final_called_number", "lastRedirectDn": "last_redirect_number", "huntPilotDN": "hunt_pilot",
        "callingPartyNumberPartition": "calling_partition", "finalCalledPartyNumberPartition": "called_partition",
    ]

    public static func claim(_ lines: [String]) -> Int {
        lines.contains { $0.hasPrefix("\"cdrRecordType\"") || $0.hasPrefix("cdrRecordType,") } ? 95 : 0
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options, headerless: false) }

    /// Cisco's published CDR field order (CUCM CDR Administration Guide, "CDR field descriptions").
    static let defaultColumns = [
        "cdrRecordType", "globalCallID_callManagerId", "globalCallID_callId", "origLegCallIdentifier", "dateTimeOrigination", "origNodeId",
        "origSpan", "origIpAddr", "callingPartyNumber", "callingPartyUnicodeLoginUserID", "origCause_location", "origCause_value",
        "origPrecedenceLevel", "origMediaTransportAddress_IP", "origMediaTransportAddress_Port", "origMediaCap_payloadCapability",
        "origMediaCap_maxFramesPerPacket", "origMediaCap_g723BitRate", "origVideoCap_Codec", "origVideoCap_Bandwidth",
        "origVideoCap_Resolution", "origVideoTransportAddress_IP", "origVideoTransportAddress_Port", "origRSVPAudioStat",
        "origRSVPVideoStat", "destLegIdentifier", "destNodeId", "destSpan", "destIpAddr", "originalCalledPartyNumber",
        "finalCalledPartyNumber", "finalCalledPartyUnicodeLoginUserID", "destCause_location", "destCause_value", "destPrecedenceLevel",
        "destMediaTransportAddress_IP", "destMediaTransportAddress_Port", "destMediaCap_payloadCapability",
        "destMediaCap_maxFramesPerPacket", "destMediaCap_g723BitRate", "destVideoCap_Codec", "destVideoCap_Bandwidth",
        "destVideoCap_Resolution", "destVideoTransportAddress_IP", "destVideoTransportAddress_Port", "destRSVPAudioStat",
        "destRSVPVideoStat", "dateTimeConnect", "dateTimeDisconnect", "lastRedirectDn", "pkid", "originalCalledPartyNumberPartition",
        "callingPartyNumberPartition", "finalCalledPartyNumberPartition", "lastRedirectDnPartition", "duration", "origDeviceName",
        "destDeviceName", "origCallTerminationOnBehalfOf", "destCallTerminationOnBehalfOf", "origCalledPartyRedirectOnBehalfOf",
        "lastRedirectRedirectOnBehalfOf", "origCalledPartyRedirectReason", "lastRedirectRedirectReason", "destConversationId",
        "globalCallId_ClusterID", "joinOnBehalfOf", "comment", "authCodeDescription", "authorizationLevel", "clientMatterCode",
        "origDTMFMethod", "destDTMFMethod", "callSecuredStatus", "origConversationId", "origMediaCap_Bandwidth", "destMediaCap_Bandwidth",
        "authorizationCodeValue", "outpulsedCallingPartyNumber", "outpulsedCalledPartyNumber", "origIpv4v6Addr", "destIpv4v6Addr",
        "origVideoCap_Codec_Channel2", "origVideoCap_Bandwidth_Channel2", "origVideoCap_Resolution_Channel2",
        "origVideoTransportAddress_IP_Channel2", "origVideoTransportAddress_Port_Channel2", "origVideoChannel_Role_Channel2",
        "destVideoCap_Codec_Channel2", "destVideoCap_Bandwidth_Channel2", "destVideoCap_Resolution_Channel2",
        "destVideoTransportAddress_IP_Channel2", "destVideoTransportAddress_Port_Channel2", "destVideoChannel_Role_Channel2",
        "IncomingProtocolID", "IncomingProtocolCallRef", "OutgoingProtocolID", "OutgoingProtocolCallRef", "currentRoutingReason",
        "origRoutingReason", "lastRedirectingRoutingReason", "huntPilotPartition", "huntPilotDN", "calledPartyPatternUsage",
        "IncomingICID", "IncomingOrigIOI", "IncomingTermIOI", "OutgoingICID", "OutgoingOrigIOI", "OutgoingTermIOI",
        "outpulsedOriginalCalledPartyNumber", "outpulsedLastRedirectingNumber", "wasCallQueued", "totalWaitTimeInQueue",
        "callingPartyNumber_uri", "originalCalledPartyNumber_uri", "finalCalledPartyNumber_uri", "lastRedirectDn_uri",
        "mobileCallingPartyNumber", "finalMobileCalledPartyNumber", "origMobileDeviceName", "destMobileDeviceName",
        "origMobileCallDuration", "destMobileCallDuration", "mobileCallType", "originalCalledPartyPattern", "finalCalledPartyPattern",
        "lastRedirectingPartyPattern", "huntPilotPattern",
    ]

    static let phonePrefixes = ["SEP", "CSF", "BOT", "TCT", "TAB", "ATA"]
    static func isPhone(_ device: String) -> Bool { phonePrefixes.contains { device.hasPrefix($0) } }

    /// The agent's direction rule (see the type's documentation).
    static func direction(origDevice: String?, destDevice: String?, callingPartition: String?) -> (Direction?, tandem: Bool) {
        guard let o = origDevice, let d = destDevice else { return (nil, false) }
        switch (isPhone(o), isPhone(d)) {
        case (true, true): return (.internal, false)
        case (true, false): return (.outgoing, false)
        case (false, true): return (callingPartition == nil ? .incoming : .internal, false)
        case (false, false): return (nil, true)
        }
    }

    /// A data row of the default order: record type 1 or 2, then two integers, then epoch seconds in column 5.
    static func looksLikeDefaultRow(_ f: [String]) -> Bool {
        guard f.count >= 71, f[0] == "1" || f[0] == "2", let t = Int64(f[4]) else { return false }
        return ArraySlice(f[1].utf8).allDigits && ArraySlice(f[2].utf8).allDigits && t >= 0
    }

    struct Parser: RecordParser {
        let clock: ZoneClock
        let formatID: String
        var columns: [String: Int] = [:]
        var typesLineNext = false
        /// Columns are Cisco's default order (no header seen): rows must have that shape.
        var defaultOrder: Bool
        init(_ options: ParseOptions, headerless: Bool) {
            defaultOrder = headerless
            clock = ZoneClock(timeZone: options.timeZone)
            formatID = headerless ? CiscoCUCMHeaderlessFormat.id : CiscoCUCMFormat.id
            if headerless {
                columns = Dictionary(CiscoCUCMFormat.defaultColumns.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
            }
        }

        /// The field-types line: every field a SQL-ish type name.
        static func isTypesLine(_ f: [String]) -> Bool {
            guard f.count >= 2 else { return false }
            return f.allSatisfy { v in
                let u = v.uppercased()
                return u.hasPrefix("INTEGER") || u.hasPrefix("VARCHAR") || u.hasPrefix("UNIQUEIDENTIFIER") || u.hasPrefix("BIGINT") || u.hasPrefix("CHAR")
                    || u.hasPrefix("SMALLINT") || u.hasPrefix("BOOLEAN") || u.hasPrefix("TEXT")
            }
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let f = CSVSplitter.split(line.bytes)
            if f.first == "cdrRecordType" {
                columns = Dictionary(f.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })
                defaultOrder = false
                typesLineNext = true
                return out.append(line.skip(.columnHeader))
            }
            if Parser.isTypesLine(f) {
                typesLineNext = false
                return out.append(line.skip(.columnHeader, "column types"))
            }
            typesLineNext = false
            guard !columns.isEmpty else {
                return out.append(
                    line.reject(
                        "a CUCM CDR file starts with its header line (\"cdrRecordType\",…): without it the columns are unknown (rows in Cisco's default order: --format cisco-cucm-noheader)",
                        format: formatID))
            }
            if defaultOrder && !CiscoCUCMFormat.looksLikeDefaultRow(f) {
                if !line.text.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: formatID)) }
                return out.append(line.reject("a CUCM row in Cisco's default order has at least 71 columns, cdrRecordType 1 or 2 and dateTimeOrigination (epoch seconds) in column 5; this one has \(f.count) columns", format: formatID))
            }
            func v(_ name: String) -> String? { columns[name].flatMap { $0 < f.count ? f[$0].nonBlank : nil } }
            if v("cdrRecordType") == "2", f.count > 2, ArraySlice(f[1].utf8).allDigits, ArraySlice(f[2].utf8).allDigits {
                return out.append(line.skip(.event, "CMR record (call quality)"))
            }
            guard let origination = v("dateTimeOrigination").flatMap(Int64.init) else {
                if !line.text.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: formatID)) }
                return out.append(line.reject("dateTimeOrigination (epoch seconds) missing", format: formatID))
            }
            var r = CallRecord(format: formatID, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            r.start = clock.zoned(utc: origination)
            if let d = v("dateTimeDisconnect").flatMap(Int64.init), d > 0 { r.end = clock.zoned(utc: d) }
            let connect = v("dateTimeConnect").flatMap(Int64.init) ?? 0
            r.answered = connect > 0
            if connect > 0 { r.ringSeconds = Int(connect - origination) }
            r.durationSeconds = v("duration").flatMap { Int($0) }
            let calling = v("callingPartyNumber")
            let called = v("finalCalledPartyNumber") ?? v("originalCalledPartyNumber")
            let (direction, tandem) = CiscoCUCMFormat.direction(
                origDevice: v("origDeviceName"), destDevice: v("destDeviceName"), callingPartition: v("callingPartyNumberPartition"))
            r.direction = direction
            if tandem { r.flags.insert(.tandem) }
            if direction == .incoming {
                r.extension_ = called
                r.number = calling?.phoneDigits
            } else {
                r.extension_ = calling
                r.number = called?.phoneDigits
            }
            r.dialed = v("originalCalledPartyNumber")
            r.accountCode = v("clientMatterCode") ?? v("authCodeDescription")
            if let m = v("globalCallID_callManagerId"), let c = v("globalCallID_callId") { r.callID = "\(m)-\(c)" }
            if let orig = v("originalCalledPartyNumber"), let fin = v("finalCalledPartyNumber"), orig != fin { r.flags.insert(.forward) }
            for (key, name) in CiscoCUCMFormat.extraNames {
                r.setExtra(name, v(key))
            }
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
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
                "answered": "true", "extension": "\"2001\"", "number": "\"90142681234\"", "call_id": "\"2-123456\"", "direction": "\"outgoing\"",
            ]),
        // No type line: the first data row is a record; an incoming call names the phone's DN as extension.
        FormatVector(
            [
                #""cdrRecordType","globalCallID_callManagerId","globalCallID_callId","dateTimeOrigination","callingPartyNumber","originalCalledPartyNumber","finalCalledPartyNumber","callingPartyNumberPartition","dateTimeConnect","dateTimeDisconnect","duration","origDeviceName","destDeviceName""#,
                #"1,2,123457,1793780000,"0612345678","2001","2002","",1793780004,1793780064,60,"GW-PSTN-01","SEP001122334466""#,
            ],
            [
                "direction": "\"incoming\"", "extension": "\"2002\"", "number": "\"0612345678\"", "dialed": "\"2001\"", "flags": "[\"forward\"]",
                "duration_s": "60", "ring_s": "4",
            ]),
    ]
}

/// Cisco Unified CM CDR rows without their header lines, in Cisco's published default column order
/// (``CiscoCUCMFormat/defaultColumns``). See ``CiscoCUCMFormat``.
public enum CiscoCUCMHeaderlessFormat: SMDRFormat {
    public static let id = "cisco-cucm-noheader"
    public static let title = "Cisco Unified CM CDR rows without header (Cisco's default column order)"

    public static func claim(_ lines: [String]) -> Int {
        if CiscoCUCMFormat.claim(lines) > 0 { return 0 }
        return FormatDetector.share(lines, base: 50) { l in
            CiscoCUCMFormat.looksLikeDefaultRow(CSVSplitter.split(ArraySlice(l.utf8)))
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { CiscoCUCMFormat.Parser(options, headerless: true) }

    static func row(_ values: [String: String]) -> String {
        CiscoCUCMFormat.defaultColumns.map { name in
            let v = values[name] ?? (name.hasPrefix("orig") || name.hasPrefix("dest") || name == "pkid" || name.hasSuffix("Partition") ? "" : "0")
            return Int(v) != nil ? v : "\"\(v)\""
        }.joined(separator: ",")
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [
                row([
                    "cdrRecordType": "1", "globalCallID_callManagerId": "1", "globalCallID_callId": "778899", "dateTimeOrigination": "1793779920",
                    "callingPartyNumber": "2001", "callingPartyNumberPartition": "PT_Internal", "originalCalledPartyNumber": "2002",
                    "finalCalledPartyNumber": "2002", "dateTimeConnect": "1793779923", "dateTimeDisconnect": "1793779983", "duration": "60",
                    "origDeviceName": "SEP001122334455", "destDeviceName": "SEP001122334466",
                ])
            ],
            [
                "direction": "\"internal\"", "extension": "\"2001\"", "number": "\"2002\"", "call_id": "\"1-778899\"", "duration_s": "60",
                "start": "\"2026-11-04T09:12:00+01:00\"",
            ])
    ]
}
