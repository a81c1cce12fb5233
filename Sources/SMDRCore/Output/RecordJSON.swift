/// The JSON form of records and rejects: one object per line, keys in the documented order,
/// every canonical key present (`null` when absent), money as strings.
///
/// Written by hand rather than through `JSONEncoder` so that key order is fixed and a million
/// records print in well under a second.
public enum RecordJSON {
    public static func append(_ r: CallRecord, to out: inout [UInt8]) {
        // The record is handed to the writer, not captured by it: a capture copies it.
        RawJSONWriter.append(r, to: &out, bound: bound(r), write)
    }

    /// Appends the JSON of the record an event carries, read where it lies (not copied out of the
    /// event); returns the lines of its raw text, or `nil` (and appends nothing) for another event.
    public static func appendRecord(of e: ParseEvent, to out: inout [UInt8]) -> Int? {
        guard case .record(let r) = e else { return nil }
        append(r, to: &out)
        return r.rawLineCount
    }

    /// The most bytes `r`'s JSON can take (every byte of every string escaped as `\u00XX`).
    static func bound(_ r: CallRecord) -> Int {
        let text = r.storage
        let f = text.fields
        @inline(__always) func s(_ v: TextSlot) -> Int { RawJSONWriter.stringBound(max(v.count, 2)) }
        // Keys and punctuation of the canonical fields, plus ints, times and bools.
        var n = 512 + 11 * RawJSONWriter.scalarBound + RawJSONWriter.stringBound(f.pointee.format.utf8.count)
        n += s(f.pointee.rawSlot) + s(f.pointee.extensionSlot) + s(f.pointee.extensionNameSlot) + s(f.pointee.trunkSlot)
        n += s(f.pointee.numberSlot) + s(f.pointee.dialedSlot) + s(f.pointee.accountCodeSlot) + s(f.pointee.pbxCostSlot)
        n += s(f.pointee.currencySlot) + s(f.pointee.callIDSlot) + 32
        let flags = f.pointee.flags
        if flags.rawValue != 0 { for flag in CallFlag.allCases where flags.contains(flag) { n += RawJSONWriter.stringBound(flag.rawValue.utf8.count) + 1 } }
        for i in 0..<f.pointee.extraCount {
            let e = text.extra(i)
            switch e.name {
            case .literal(let k): n += k.utf8CodeUnitCount + 4
            case .text(let k): n += s(k) + 2
            }
            if case .text(let v) = e.value { n += s(v) } else { n += RawJSONWriter.scalarBound }
        }
        return n
    }

    static func write(_ r: CallRecord, to w: inout RawJSONWriter) {
        let text = r.storage
        let f = text.fields
        @inline(__always) func put(_ slot: TextSlot, _ w: inout RawJSONWriter) {
            if slot.isNone { return w.null() }
            if text.isPlainJSON(slot) { w.quoted(text.bytes(slot)) } else { w.bytes(text.bytes(slot)) }
        }
        // The canonical keys in their fixed order, each written with its comma in one copy.
        w.literal("{\"format\":"); w.string(f.pointee.format)
        w.literal(",\"raw\":"); put(f.pointee.rawSlot, &w)
        w.literal(",\"line\":"); w.int(f.pointee.line)
        var day = RawJSONWriter.DayCache()
        w.literal(",\"start\":"); w.time(f.pointee.start, day: &day)
        w.literal(",\"end\":"); w.time(f.pointee.end, day: &day)
        w.literal(",\"duration_s\":"); w.int(f.pointee.durationSeconds)
        w.literal(",\"ring_s\":"); w.int(f.pointee.ringSeconds)
        w.literal(",\"hold_s\":"); w.int(f.pointee.holdSeconds)
        w.literal(",\"park_s\":"); w.int(f.pointee.parkSeconds)
        w.literal(",\"direction\":"); w.string(f.pointee.direction?.rawValue)
        w.literal(",\"answered\":"); w.bool(f.pointee.answered)
        w.literal(",\"extension\":"); put(f.pointee.extensionSlot, &w)
        w.literal(",\"extension_name\":"); put(f.pointee.extensionNameSlot, &w)
        w.literal(",\"trunk\":"); put(f.pointee.trunkSlot, &w)
        w.literal(",\"number\":"); put(f.pointee.numberSlot, &w)
        w.literal(",\"dialed\":"); put(f.pointee.dialedSlot, &w)
        w.literal(",\"account_code\":"); put(f.pointee.accountCodeSlot, &w)
        w.literal(",\"units\":"); w.int(f.pointee.units)
        w.literal(",\"pbx_cost\":"); put(f.pointee.pbxCostSlot, &w)
        w.literal(",\"currency\":"); put(f.pointee.currencySlot, &w)
        w.literal(",\"call_id\":"); put(f.pointee.callIDSlot, &w)
        w.literal(",\"continuation\":"); w.bool(f.pointee.continuation)
        w.literal(",\"flags\":[")
        let flags = f.pointee.flags
        var first = true
        if flags.rawValue != 0 {
            for flag in CallFlag.allCases where flags.contains(flag) {
                if !first { w.byte(UInt8(ascii: ",")) }
                first = false
                w.string(flag.rawValue)
            }
        }
        w.byte(UInt8(ascii: "]"))
        w.needsComma = true
        for i in 0..<f.pointee.extraCount {
            let e = text.extra(i)
            w.byte(UInt8(ascii: ","))
            switch e.name {
            case .literal(let k):  // a key from a format's source: plain, written as it is
                w.byte(UInt8(ascii: "\""))
                w.literal(k)
                w.byte(UInt8(ascii: "\""))
            case .text(let k): w.bytes(text.bytes(k))
            }
            w.byte(UInt8(ascii: ":"))
            switch e.value {
            case .text(let slot): put(slot, &w)
            case .int(let i): w.int(i)
            case .bool(let b): w.bool(b)
            }
        }
        w.byte(UInt8(ascii: "}"))
    }

    public static func line(_ r: CallRecord) -> String {
        var out: [UInt8] = []
        append(r, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"line":12,"format":"panasonic","reason":"…","text":"…"}`
    public static func append(_ r: Reject, file: String?, to out: inout [UInt8]) {
        var w = JSONWriter(out: out)
        out = []
        w.open()
        if let file {
            w.key("file"); w.string(file)
        }
        w.key("line"); w.int(r.line)
        w.key("format"); w.string(r.format)
        w.key("reason"); w.string(r.reason)
        w.key("text"); w.string(r.text)
        w.out.append(UInt8(ascii: "}"))
        out = w.out
    }
}
