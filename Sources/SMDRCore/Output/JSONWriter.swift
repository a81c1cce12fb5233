import Foundation

/// A small JSON writer into bytes: the record JSON and the live events are written with it (no
/// Foundation encoder on the per-record path).
public struct JSONWriter {
    public var out: [UInt8]
    var needsComma = false

    public init(out: [UInt8] = []) { self.out = out }

    public mutating func open() {
        out.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func key(_ k: StaticString) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    public mutating func key(_ k: String) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
        string(k)
        out.append(UInt8(ascii: ":"))
    }

    public mutating func null() { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    public mutating func int(_ v: Int?) {
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

    public mutating func bool(_ v: Bool?) {
        guard let v else { return null() }
        if v { out.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) } else { out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65]) }
    }

    public mutating func time(_ t: ZonedTime?) {
        guard let t else { return null() }
        out.append(UInt8(ascii: "\""))
        t.appendISO8601(to: &out)
        out.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public mutating func string(_ s: String?) {
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
                    out.append(JSONWriter.hex[Int(b >> 4)])
                    out.append(JSONWriter.hex[Int(b & 0xF)])
                }
            }
            if runStart < buf.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<buf.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }

    public mutating func close() {
        out.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func int64(_ v: Int64?) { int(v.map { Int($0) }) }

    /// Already-encoded JSON (an object written elsewhere).
    public mutating func raw(_ json: String) { out.append(contentsOf: json.utf8) }

    public mutating func openArray() {
        out.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func closeArray() {
        out.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Before an element of an array (an object, or a scalar: the next element gets its comma).
    public mutating func element() {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    public var text: String { String(decoding: out, as: UTF8.self) }
}
