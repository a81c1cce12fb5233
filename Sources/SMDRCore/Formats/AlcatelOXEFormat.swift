/// Alcatel-Lucent OmniPCX Enterprise accounting tickets, version ED5.2: fixed width, 48 fields
/// (TCP 2533, V24 "metering on the fly", and the TAX*.DAT files).
///
/// Source: the OXE_EAcc collector's `ED5.2.txt` (layout from the TAX*.DAT header);
/// `shared/reference/formats/alcatel-omnipcx.md` §B. Positions are 1-based after the optional
/// 4-character ticket label that the Ethernet link puts in front.
///
/// One ticket describes a whole call, redirections included: `InitialDialledNumber`,
/// `ActingExtensionNumber` and `RedirectedCallIndicator` tell transfers and forwards apart.
/// `ChargeUnits` are the metering units; `CostInfo` the cost; `AccessCode` the business code.
public enum AlcatelOXEFormat: SMDRFormat {
    public static let id = "alcatel-oxe"
    public static let title = "Alcatel-Lucent OmniPCX Enterprise accounting ticket (ED5.2, 48 fields)"
    /// One ticket is one call (the transfer is in the ticket: initial dialled number).
    public static let linking = CallLinking.single

    /// The ED5.2 column table: (name, first column, length).
    static let fields: [(String, Int, Int)] = [
        ("TicketVersion", 1, 5), ("CalledNumber", 6, 30), ("ChargedNumber", 36, 30), ("ChargedUserName", 66, 20),
        ("ChargedCostCenter", 86, 10), ("ChargedCompany", 96, 16), ("ChargedPartyNode", 112, 5), ("Subaddress", 117, 20),
        ("CallingNumber", 137, 30), ("CallType", 167, 2), ("CostType", 169, 1), ("EndDateTime", 170, 17),
        ("ChargeUnits", 187, 5), ("CostInfo", 192, 10), ("Duration", 202, 10), ("TrunkIdentity", 212, 5),
        ("TrunkGroupIdentity", 217, 5), ("TrunkNode", 222, 5), ("PersonalOrBusiness", 227, 1), ("AccessCode", 228, 16),
        ("SpecificChargeInfo", 244, 7), ("BearerCapability", 251, 1), ("HighLevelComp", 252, 2), ("DataVolume", 254, 10),
        ("UserToUserVolume", 264, 5), ("ExternalFacilities", 269, 40), ("InternalFacilities", 309, 40),
        ("CallReference", 349, 10), ("SegmentsRate1", 359, 10), ("SegmentsRate2", 369, 10), ("SegmentsRate3", 379, 10),
        ("ComType", 389, 1), ("X25IncomingFlowRate", 390, 2), ("X25OutgoingFlowRate", 392, 2), ("Carrier", 394, 2),
        ("InitialDialledNumber", 396, 30), ("WaitingDuration", 426, 5), ("EffectiveCallDuration", 431, 10),
        ("RedirectedCallIndicator", 441, 1), ("StartDateTime", 442, 17), ("ActingExtensionNumber", 459, 30),
        ("CalledNumberNode", 489, 5), ("CallingNumberNode", 494, 5), ("InitialDialledNumberNode", 499, 5),
        ("ActingExtensionNumberNode", 504, 5), ("TransitTrunkGroupIdentity", 509, 5), ("NodeTimeOffset", 514, 6),
        ("TimeDlt", 520, 6),
    ]

    /// CallType codes: abbreviation and the direction seen from the site (`nil` = transit / unspecified).
    static let callTypes: [Int: (String, Direction?)] = [
        0: ("OC", .outgoing), 1: ("OCP", .outgoing), 2: ("PN", .internal), 3: ("LN", .internal), 4: ("IC", .incoming),
        5: ("ICP", .incoming), 6: ("UN", nil), 7: ("PO", .outgoing), 8: ("POP", .outgoing), 9: ("IP", .incoming),
        10: ("PIP", .incoming), 11: ("PPO", .outgoing), 12: ("PPI", .incoming), 13: ("PIC", .incoming), 14: ("LL", .internal),
        15: ("LT", nil),
    ]

    /// Column offset of the ticket in the line: 0, or 4 behind the Ethernet ticket label.
    static func base(of t: ByteText) -> Int? {
        if t.matches("ED9.9", at: 0) || t.matches("ED99.9", at: 0) { return 0 }
        if t.matches("ED9.9", at: 4) || t.matches("ED99.9", at: 4) { return 4 }
        return nil
    }

    public static func claim(_ lines: [String]) -> Int {
        return FormatDetector.share(lines, base: 70) { l in
            let t = ByteText(l)
            guard let b = base(of: t) else { return false }
            return t.count >= b + 200 && t.matches("99999999 99:99:99", at: b + 169)
        }
    }

    public static func makeParser(_ options: ParseOptions) -> any RecordParser { Parser(options) }

    struct Parser: RecordParser {
        let clock: ZoneClock
        init(_ options: ParseOptions) { clock = ZoneClock(timeZone: options.timeZone) }

        func dateTime(_ t: ByteText, at col: Int) -> CivilDateTime? {
            guard t.matches("99999999 99:99:99", at: col) else { return nil }
            return CivilDateTime(
                year: t.number(col, 4)!, month: t.number(col + 4, 2)!, day: t.number(col + 6, 2)!,
                hour: t.number(col + 9, 2)!, minute: t.number(col + 12, 2)!, second: t.number(col + 15, 2)!)
        }

        mutating func parse(_ line: FramedLine, into out: inout [ParseEvent]) {
            let t = line.text
            guard let base = AlcatelOXEFormat.base(of: t) else {
                if !t.trimmed.contains(where: \.isDigit) { return out.append(line.noDigits(format: id)) }
                return out.append(line.reject("an OmniPCX Enterprise ticket starts with its version (ED5.2), possibly behind a 4-character label", format: id))
            }
            func v(_ name: String) -> String? {
                let f = AlcatelOXEFormat.fields.first { $0.0 == name }!
                return t.string(base + f.1 - 1, base + f.1 - 1 + f.2)
            }
            guard t.count >= base + 216 else {
                return out.append(line.reject("ticket cut short: \(t.count - base) characters, the ED5.2 layout needs at least 216 (up to 525)", format: id))
            }
            guard let endCivil = dateTime(t, at: base + 169) else {
                return out.append(line.reject("EndDateTime at columns 170-186 is not yyyyMMdd HH:mm:ss", format: id))
            }
            var r = CallRecord(format: id, raw: line.bytes.decoded, line: line.number, offset: line.offset)
            let callType = v("CallType").flatMap { Int($0) }
            let kind = callType.flatMap { AlcatelOXEFormat.callTypes[$0] }
            r.direction = kind?.1
            if callType == 15 { r.flags.insert(.tandem) }
            r.extension_ = v("ChargedNumber")
            r.extensionName = v("ChargedUserName")
            let called = v("CalledNumber"), calling = v("CallingNumber")
            switch r.direction {
            case .incoming: r.number = calling?.phoneDigits
            default: r.number = called?.phoneDigits
            }
            r.dialed = called
            r.trunk = v("TrunkIdentity")
            r.units = v("ChargeUnits").flatMap { Int($0) }
            r.pbxCost = v("CostInfo").flatMap(Decimals.normalise)
            r.durationSeconds = v("Duration").flatMap { Int($0) }
            r.ringSeconds = v("WaitingDuration").flatMap { Int($0) }
            r.accountCode = v("AccessCode")
            r.callID = v("CallReference")
            let effective = v("EffectiveCallDuration").flatMap { Int($0) }
            r.answered = (effective ?? r.durationSeconds ?? 0) > 0
            let redirect = v("RedirectedCallIndicator")
            let acting = v("ActingExtensionNumber")
            let initial = v("InitialDialledNumber")
            if let redirect, redirect != "0" { r.flags.insert(.forward) }
            if let acting, acting != r.extension_ { r.flags.insert(.transfer) }

            let end = clock.zoned(endCivil)
            let start = t.count >= base + 458 ? dateTime(t, at: base + 441).map { clock.zoned($0) } : nil
            r.setTimes(start: start, end: end, elapsed: r.durationSeconds, zone: clock)

            r.setExtra("ticket_version", v("TicketVersion"))
            r.setExtra("call_type", kind?.0 ?? v("CallType"))
            r.setExtra("called_number", called)
            r.setExtra("calling_number", calling)
            r.setExtra("initial_dialled_number", initial)
            r.setExtra("acting_extension", acting)
            r.setExtra("redirected_call_indicator", redirect)
            r.setExtra("effective_duration_s", effective.map(ExtraValue.int))
            r.setExtra("personal_or_business", v("PersonalOrBusiness"))
            r.setExtra("cost_center", v("ChargedCostCenter"))
            r.setExtra("company", v("ChargedCompany"))
            r.setExtra("charged_node", v("ChargedPartyNode"))
            r.setExtra("trunk_group", v("TrunkGroupIdentity"))
            r.setExtra("trunk_node", v("TrunkNode"))
            r.setExtra("cost_type", v("CostType"))
            r.setExtra("carrier", v("Carrier"))
            r.setExtra("external_facilities", v("ExternalFacilities"))
            r.setExtra("internal_facilities", v("InternalFacilities"))
            if r.isReadable { out.append(.record(r)) } else { out.append(r.notACall()) }
        }
    }

    /// Builds a ticket from field values (for vectors and tests).
    public static func ticket(_ values: [String: String], label: String = "") -> String {
        var chars = [Character](repeating: " ", count: 525)
        for (name, start, len) in fields {
            guard let v = values[name] else { continue }
            for (k, c) in v.prefix(len).enumerated() { chars[start - 1 + k] = c }
        }
        return label + String(chars)
    }

    public static let vectors: [FormatVector] = [
        FormatVector(
            [
                ticket(
                    [
                        "TicketVersion": "ED5.2", "CalledNumber": "0142681234", "ChargedNumber": "4012", "ChargedUserName": "DUPONT Marie",
                        "CallType": "0", "EndDateTime": "20261104 09:14:52", "ChargeUnits": "6", "CostInfo": "0.90", "Duration": "160",
                        "TrunkIdentity": "12", "TrunkGroupIdentity": "3", "PersonalOrBusiness": "B", "AccessCode": "CLIENT42",
                        "CallReference": "778812", "WaitingDuration": "9", "EffectiveCallDuration": "160", "RedirectedCallIndicator": "0",
                        "StartDateTime": "20261104 09:12:12",
                    ], label: "0002")
            ],
            [
                "start": "\"2026-11-04T09:12:12+01:00\"", "end": "\"2026-11-04T09:14:52+01:00\"", "duration_s": "160", "ring_s": "9",
                "direction": "\"outgoing\"", "answered": "true", "extension": "\"4012\"", "extension_name": "\"DUPONT Marie\"",
                "trunk": "\"12\"", "number": "\"0142681234\"", "account_code": "\"CLIENT42\"", "units": "6", "pbx_cost": "\"0.90\"",
                "call_id": "\"778812\"", "flags": "[]", "call_type": "\"OC\"",
            ]),
        // Incoming call answered at 4015 after a forward from 4012.
        FormatVector(
            [
                ticket([
                    "TicketVersion": "ED5.2", "CalledNumber": "4012", "ChargedNumber": "4015", "CallingNumber": "+33612345678",
                    "CallType": "4", "EndDateTime": "20261104 10:00:30", "Duration": "30", "InitialDialledNumber": "4012",
                    "RedirectedCallIndicator": "1", "ActingExtensionNumber": "4015",
                ])
            ],
            [
                "direction": "\"incoming\"", "number": "\"+33612345678\"", "extension": "\"4015\"", "flags": "[\"forward\"]",
                "start": "\"2026-11-04T10:00:00+01:00\"", "initial_dialled_number": "\"4012\"",
            ]),
    ]
}
