/// The JSON form of records and rejects: one object per line, keys in the documented order,
/// every canonical key present (`null` when absent), money as strings.
///
/// Written by hand rather than through `JSONEncoder` so that key order is fixed and a million
/// records print in well under a second.
public enum RecordJSON {
    public static func append(_ r: CallRecord, to out: inout [UInt8]) {
        RawJSONWriter.append(to: &out, bound: bound(r)) { w in write(r, to: &w) }
    }

    /// The most bytes `r`'s JSON can take (every byte of every string escaped as `\u00XX`).
    static func bound(_ r: CallRecord) -> Int {
        @inline(__always) func s(_ v: String?) -> Int { RawJSONWriter.stringBound(v?.utf8.count ?? 2) }
        // Keys and punctuation of the canonical fields, plus ints, times and bools.
        var n = 512 + 11 * RawJSONWriter.scalarBound
        n += s(r.format) + s(r.raw) + s(r.extension_) + s(r.extensionName) + s(r.trunk) + s(r.number) + s(r.dialed)
        n += s(r.accountCode) + s(r.pbxCost) + s(r.currency) + s(r.callID) + 32
        if r.flags.rawValue != 0 { for flag in CallFlag.allCases where r.flags.contains(flag) { n += s(flag.rawValue) + 1 } }
        r.extras.withUnsafeBufferPointer { extras in  // borrowed: no copy of each field
            for i in extras.indices {
                n += s(extras[i].key) + 2
                if case .string(let v) = extras[i].value { n += s(v) } else { n += RawJSONWriter.scalarBound }
            }
        }
        return n
    }

    static func write(_ r: CallRecord, to w: inout RawJSONWriter) {
        w.open()
        w.key("format"); w.string(r.format)
        w.key("raw"); w.string(r.raw)
        w.key("line"); w.int(r.line)
        w.key("start"); w.time(r.start)
        w.key("end"); w.time(r.end)
        w.key("duration_s"); w.int(r.durationSeconds)
        w.key("ring_s"); w.int(r.ringSeconds)
        w.key("hold_s"); w.int(r.holdSeconds)
        w.key("park_s"); w.int(r.parkSeconds)
        w.key("direction"); w.string(r.direction?.rawValue)
        w.key("answered"); w.bool(r.answered)
        w.key("extension"); w.string(r.extension_)
        w.key("extension_name"); w.string(r.extensionName)
        w.key("trunk"); w.string(r.trunk)
        w.key("number"); w.string(r.number)
        w.key("dialed"); w.string(r.dialed)
        w.key("account_code"); w.string(r.accountCode)
        w.key("units"); w.int(r.units)
        w.key("pbx_cost"); w.string(r.pbxCost)
        w.key("currency"); w.string(r.currency)
        w.key("call_id"); w.string(r.callID)
        w.key("continuation"); w.bool(r.continuation)
        w.key("flags")
        w.byte(UInt8(ascii: "["))
        var first = true
        if r.flags.rawValue != 0 {
            for flag in CallFlag.allCases where r.flags.contains(flag) {
                if !first { w.byte(UInt8(ascii: ",")) }
                first = false
                w.string(flag.rawValue)
            }
        }
        w.byte(UInt8(ascii: "]"))
        r.extras.withUnsafeBufferPointer { extras in
            for i in extras.indices {
                w.key(extras[i].key)
                switch extras[i].value {
                case .string(let s): w.string(s)
                case .int(let i): w.int(i)
                case .bool(let b): w.bool(b)
                }
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
