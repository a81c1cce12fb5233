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
        @inline(__always) func s(_ v: TextSlot) -> Int { RawJSONWriter.stringBound(max(v.count, 2)) }
        // Keys and punctuation of the canonical fields, plus ints, times and bools.
        var n = 512 + 11 * RawJSONWriter.scalarBound + RawJSONWriter.stringBound(r.format.utf8.count)
        n += s(r.rawSlot) + s(r.extensionSlot) + s(r.extensionNameSlot) + s(r.trunkSlot) + s(r.numberSlot) + s(r.dialedSlot)
        n += s(r.accountCodeSlot) + s(r.pbxCostSlot) + s(r.currencySlot) + s(r.callIDSlot) + 32
        if r.flags.rawValue != 0 { for flag in CallFlag.allCases where r.flags.contains(flag) { n += RawJSONWriter.stringBound(flag.rawValue.utf8.count) + 1 } }
        r.extraSlots.withUnsafeBufferPointer { extras in  // borrowed: no copy of each field
            for i in extras.indices {
                switch extras[i].name {
                case .literal(let k): n += k.utf8CodeUnitCount + 4
                case .text(let k): n += RawJSONWriter.stringBound(k.utf8.count) + 2
                }
                if case .text(let v) = extras[i].value { n += s(v) } else { n += RawJSONWriter.scalarBound }
            }
        }
        return n
    }

    static func write(_ r: CallRecord, to w: inout RawJSONWriter) {
        r.text.withBytes { text in
            @inline(__always) func put(_ slot: TextSlot, _ w: inout RawJSONWriter) {
                if slot.isNone { return w.null() }
                let b = UnsafeRawBufferPointer(rebasing: text[slot.range])
                if r.text.isPlainJSON(slot) { w.quoted(b) } else { w.bytes(b) }
            }
            // The canonical keys in their fixed order, each written with its comma in one copy.
            w.literal("{\"format\":"); w.string(r.format)
            w.literal(",\"raw\":"); put(r.rawSlot, &w)
            w.literal(",\"line\":"); w.int(r.line)
            var day = RawJSONWriter.DayCache()
            w.literal(",\"start\":"); w.time(r.start, day: &day)
            w.literal(",\"end\":"); w.time(r.end, day: &day)
            w.literal(",\"duration_s\":"); w.int(r.durationSeconds)
            w.literal(",\"ring_s\":"); w.int(r.ringSeconds)
            w.literal(",\"hold_s\":"); w.int(r.holdSeconds)
            w.literal(",\"park_s\":"); w.int(r.parkSeconds)
            w.literal(",\"direction\":"); w.string(r.direction?.rawValue)
            w.literal(",\"answered\":"); w.bool(r.answered)
            w.literal(",\"extension\":"); put(r.extensionSlot, &w)
            w.literal(",\"extension_name\":"); put(r.extensionNameSlot, &w)
            w.literal(",\"trunk\":"); put(r.trunkSlot, &w)
            w.literal(",\"number\":"); put(r.numberSlot, &w)
            w.literal(",\"dialed\":"); put(r.dialedSlot, &w)
            w.literal(",\"account_code\":"); put(r.accountCodeSlot, &w)
            w.literal(",\"units\":"); w.int(r.units)
            w.literal(",\"pbx_cost\":"); put(r.pbxCostSlot, &w)
            w.literal(",\"currency\":"); put(r.currencySlot, &w)
            w.literal(",\"call_id\":"); put(r.callIDSlot, &w)
            w.literal(",\"continuation\":"); w.bool(r.continuation)
            w.literal(",\"flags\":[")
            var first = true
            if r.flags.rawValue != 0 {
                for flag in CallFlag.allCases where r.flags.contains(flag) {
                    if !first { w.byte(UInt8(ascii: ",")) }
                    first = false
                    w.string(flag.rawValue)
                }
            }
            w.byte(UInt8(ascii: "]"))
            w.needsComma = true
            r.extraSlots.withUnsafeBufferPointer { extras in
                for i in extras.indices {
                    switch extras[i].name {
                    case .literal(let k):  // a key from a format's source: plain, written as it is
                        w.byte(UInt8(ascii: ","))
                        w.byte(UInt8(ascii: "\""))
                        w.literal(k)
                        w.byte(UInt8(ascii: "\""))
                        w.byte(UInt8(ascii: ":"))
                    case .text(let k): w.key(k)
                    }
                    switch extras[i].value {
                    case .text(let slot): put(slot, &w)
                    case .int(let i): w.int(i)
                    case .bool(let b): w.bool(b)
                    }
                }
            }
            w.byte(UInt8(ascii: "}"))
        }
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
