import Foundation

extension ZonedTime {
    /// Reads `2026-11-04T09:12:12+01:00` (the form records are printed in).
    public init?(iso8601 s: String) {
        let t = ByteText(s)
        guard t.count == 25, t.matches("9999-99-99T99:99:99?99:99", at: 0), t[19] == UInt8(ascii: "+") || t[19] == UInt8(ascii: "-"),
            let c = CivilDateTime(year: t.number(0, 4)!, month: t.number(5, 2)!, day: t.number(8, 2)!, hour: t.number(11, 2)!, minute: t.number(14, 2)!, second: t.number(17, 2)!)
        else { return nil }
        let off = Int32((t.number(20, 2)! * 3600 + t.number(23, 2)! * 60) * (t[19] == UInt8(ascii: "-") ? -1 : 1))
        self.init(utc: c.secondsAsUTC - Int64(off), offset: off)
    }
}

extension CallRecord {
    /// Rebuilds a record from its JSON form (as stored), for re-rating. Extra fields are kept as strings.
    public init?(jsonLine: String) {
        guard let o = try? JSONSerialization.jsonObject(with: Data(jsonLine.utf8)) as? [String: Any], let format = o["format"] as? String else { return nil }
        self.init(format: format, raw: o["raw"] as? String ?? "", line: o["line"] as? Int ?? 0)
        start = (o["start"] as? String).flatMap(ZonedTime.init(iso8601:))
        end = (o["end"] as? String).flatMap(ZonedTime.init(iso8601:))
        durationSeconds = o["duration_s"] as? Int
        ringSeconds = o["ring_s"] as? Int
        holdSeconds = o["hold_s"] as? Int
        parkSeconds = o["park_s"] as? Int
        direction = (o["direction"] as? String).flatMap(Direction.init(rawValue:))
        answered = o["answered"] as? Bool
        extension_ = o["extension"] as? String
        extensionName = o["extension_name"] as? String
        trunk = o["trunk"] as? String
        number = o["number"] as? String
        dialed = o["dialed"] as? String
        accountCode = o["account_code"] as? String
        units = o["units"] as? Int
        pbxCost = o["pbx_cost"] as? String
        currency = o["currency"] as? String
        callID = o["call_id"] as? String
        continuation = o["continuation"] as? Bool ?? false
        for name in o["flags"] as? [String] ?? [] { if let f = CallFlag(rawValue: name) { flags.insert(f) } }
    }
}
