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
        s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    /// A JSON string of UTF-8 bytes. Most fields need no escape: the bytes are checked eight at
    /// a time and copied in one piece; only a string with a quote, a backslash or a control
    /// byte takes the byte-by-byte path.
    public mutating func bytes(_ buf: UnsafeRawBufferPointer) {
        let n = buf.count
        out.append(UInt8(ascii: "\""))
        if !JSONWriter.needsEscape(buf) {
            out.append(contentsOf: buf)
            out.append(UInt8(ascii: "\""))
            return
        }
        var runStart = 0
        for i in 0..<n {
            let b = buf[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F { continue }
            if runStart < i { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[runStart..<i])) }
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
        if runStart < n { out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buf[runStart..<n])) }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any byte is a control byte (< 0x20 or 0x7F), a quote or a backslash. Eight bytes
    /// at a time: a zero byte in `w ^ c` marks a byte equal to `c`, the classic has-zero test.
    @inline(__always)
    static func needsEscape(_ buf: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        @inline(__always) func hasLess(_ v: UInt64, _ k: UInt64) -> Bool { (v &- ones &* k) & ~v & highs != 0 }
        var i = 0
        let n = buf.count
        while i + 8 <= n {
            let w = buf.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if hasLess(w, 0x20) || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C)) || hasZero(w ^ (ones &* 0x7F)) { return true }
            i += 8
        }
        while i < n {
            let b = buf[i]
            if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F { return true }
            i += 1
        }
        return false
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
