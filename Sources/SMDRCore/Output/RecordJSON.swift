/// The JSON form of records and rejects: one object per line, keys in the documented order,
/// every canonical key present (`null` when absent), money as strings.
///
/// Written by hand rather than through `JSONEncoder` so that key order is fixed and a million
/// records print in well under a second.
public enum RecordJSON {
    public static func append(_ r: CallRecord, to out: inout [UInt8]) {
        var w = Writer(out: out)
        out = []
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
        w.out.append(UInt8(ascii: "["))
        var first = true
        if r.flags.rawValue != 0 {
            for flag in CallFlag.allCases where r.flags.contains(flag) {
                if !first { w.out.append(UInt8(ascii: ",")) }
                first = false
                w.string(flag.rawValue)
            }
        }
        w.out.append(UInt8(ascii: "]"))
        for e in r.extras {
            w.key(e.key)
            switch e.value {
            case .string(let s): w.string(s)
            case .int(let i): w.int(i)
            case .bool(let b): w.bool(b)
            }
        }
        w.out.append(UInt8(ascii: "}"))
        out = w.out
    }

    public static func line(_ r: CallRecord) -> String {
        var out: [UInt8] = []
        append(r, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `{"line":12,"format":"panasonic","reason":"…","text":"…"}`
    public static func append(_ r: Reject, file: String?, to out: inout [UInt8]) {
        var w = Writer(out: out)
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

    struct Writer {
        var out: [UInt8]
        var needsComma = false

        mutating func open() {
            out.append(UInt8(ascii: "{"))
            needsComma = false
        }

        mutating func key(_ k: StaticString) {
            if needsComma { out.append(UInt8(ascii: ",")) }
            needsComma = true
            out.append(UInt8(ascii: "\""))
            k.withUTF8Buffer { out.append(contentsOf: $0) }
            out.append(UInt8(ascii: "\""))
            out.append(UInt8(ascii: ":"))
        }

        mutating func key(_ k: String) {
            if needsComma { out.append(UInt8(ascii: ",")) }
            needsComma = true
            string(k)
            out.append(UInt8(ascii: ":"))
        }

        mutating func null() { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

        mutating func int(_ v: Int?) {
            guard let v else { return null() }
            if v == 0 {
                out.append(0x30)
                return
            }
            var n = v
            if n < 0 {
                out.append(UInt8(ascii: "-"))
                n = -n
            }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            withUnsafeMutableBytes(of: &digits) { buf in
                while n > 0 {
                    buf[count] = UInt8(48 + n % 10)
                    n /= 10
                    count += 1
                }
                for k in stride(from: count - 1, through: 0, by: -1) { out.append(buf[k]) }
            }
        }

        mutating func bool(_ v: Bool?) {
            guard let v else { return null() }
            if v { out.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) } else { out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65]) }
        }

        mutating func time(_ t: ZonedTime?) {
            guard let t else { return null() }
            out.append(UInt8(ascii: "\""))
            t.appendISO8601(to: &out)
            out.append(UInt8(ascii: "\""))
        }

        private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

        mutating func string(_ s: String?) {
            guard var s else { return null() }
            out.append(UInt8(ascii: "\""))
            s.withUTF8 { buf in
                var runStart = 0
                for i in 0..<buf.count {
                    let b = buf[i]
                    if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F { continue }
                    if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i])) }
                    runStart = i + 1
                    switch b {
                    case 0x22: out.append(contentsOf: [0x5C, 0x22])
                    case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
                    case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
                    case 0x0D: out.append(contentsOf: [0x5C, 0x72])
                    case 0x09: out.append(contentsOf: [0x5C, 0x74])
                    default:
                        out.append(contentsOf: [0x5C, 0x75, 0x30, 0x30])
                        out.append(Writer.hex[Int(b >> 4)])
                        out.append(Writer.hex[Int(b & 0xF)])
                    }
                }
                if runStart < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<buf.count])) }
            }
            out.append(UInt8(ascii: "\""))
        }
    }
}
