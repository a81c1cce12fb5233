/// Writes JSON into memory the caller has sized beforehand: no capacity or uniqueness check per
/// byte, which is what appending to an array costs. The record JSON (a million records per
/// `parse` of a day's capture) is written with it; ``JSONWriter`` uses it for escapes and numbers.
/// Every write's worst case is given by the `…Bound` functions, so a caller can size the memory.
public struct RawJSONWriter {
    public private(set) var p: UnsafeMutablePointer<UInt8>
    public let start: UnsafeMutablePointer<UInt8>
    var needsComma = false

    public init(_ memory: UnsafeMutablePointer<UInt8>) {
        p = memory
        start = memory
    }

    /// Bytes written so far.
    public var count: Int { p - start }

    /// Writes a piece of JSON as it is (keys and punctuation known in advance).
    @inline(__always) public mutating func literal(_ s: StaticString) {
        s.withUTF8Buffer { copy(UnsafeRawBufferPointer($0)) }
    }

    /// A quoted string of `n` UTF-8 bytes takes at most this many bytes (`\u00XX` for a control byte).
    @inline(__always) public static func stringBound(_ n: Int) -> Int { 2 + 6 * n }
    /// An integer, a time or `null` take at most this many bytes.
    public static let scalarBound = 32

    @inline(__always) public mutating func byte(_ b: UInt8) {
        p.pointee = b
        p += 1
    }

    /// Copies bytes. Most JSON pieces are short (a key, an extension, a time), so up to 32 bytes
    /// are moved as overlapping words rather than through a call to `memmove`.
    @inline(__always) public mutating func copy(_ buf: UnsafeRawBufferPointer) {
        guard let base = buf.baseAddress else { return }
        let n = buf.count
        let to = UnsafeMutableRawPointer(p)
        if n >= 8 && n <= 16 {
            to.storeBytes(of: base.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (to + (n - 8)).storeBytes(of: base.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), as: UInt64.self)
        } else if n >= 4 && n < 8 {
            to.storeBytes(of: base.loadUnaligned(as: UInt32.self), as: UInt32.self)
            (to + (n - 4)).storeBytes(of: base.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self), as: UInt32.self)
        } else if n > 16 && n <= 32 {
            @inline(__always) func word(_ k: Int) { (to + k).storeBytes(of: base.loadUnaligned(fromByteOffset: k, as: UInt64.self), as: UInt64.self) }
            word(0)
            word(8)
            word(16)
            word(n - 8)
        } else if n > 32 {
            to.copyMemory(from: base, byteCount: n)
        } else {
            for i in 0..<n { p[i] = buf[i] }
        }
        p += n
    }

    public mutating func open() {
        byte(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func close() {
        byte(UInt8(ascii: "}"))
        needsComma = true
    }

    /// `,"k":` (the comma from the second key on).
    @inline(__always) public mutating func key(_ k: StaticString) {
        if needsComma { byte(UInt8(ascii: ",")) }
        needsComma = true
        byte(UInt8(ascii: "\""))
        k.withUTF8Buffer { copy(UnsafeRawBufferPointer($0)) }
        byte(UInt8(ascii: "\""))
        byte(UInt8(ascii: ":"))
    }

    public mutating func key(_ k: String) {
        if needsComma { byte(UInt8(ascii: ",")) }
        needsComma = true
        string(k)
        byte(UInt8(ascii: ":"))
    }

    public mutating func null() { literal("null") }

    public mutating func string(_ s: String?) {
        guard var s else { return null() }
        s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    public mutating func bool(_ v: Bool?) {
        guard let v else { return null() }
        if v { literal("true") } else { literal("false") }
    }

    public mutating func int(_ v: Int?) {
        guard let v else { return null() }
        if v == 0 { return byte(0x30) }
        var n = v.magnitude
        if v < 0 { byte(UInt8(ascii: "-")) }
        var digits = 0
        var m = n
        while m > 0 {
            digits += 1
            m /= 10
        }
        p += digits
        var q = p
        while n > 0 {
            q -= 1
            q.pointee = UInt8(48 + n % 10)
            n /= 10
        }
    }

    public mutating func time(_ t: ZonedTime?) {
        var day = DayCache()
        time(t, day: &day)
    }

    /// A time, reusing the date of the previous one when it falls on the same day (a call's start
    /// and end mostly do): the date is the costly part.
    mutating func time(_ t: ZonedTime?, day: inout DayCache) {
        guard let t else { return null() }
        byte(UInt8(ascii: "\""))
        t.writeISO8601(to: &self, day: &day)
        byte(UInt8(ascii: "\""))
    }

    /// The date of the last local day written.
    struct DayCache {
        var days = Int64.min
        var year = 0, month = 0, day = 0
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string of bytes known to need no escape.
    @inline(__always) public mutating func quoted(_ buf: UnsafeRawBufferPointer) {
        byte(UInt8(ascii: "\""))
        copy(buf)
        byte(UInt8(ascii: "\""))
    }

    /// A JSON string of UTF-8 bytes: copied in one piece unless it holds a quote, a backslash or
    /// a control byte, escaped byte by byte then.
    public mutating func bytes(_ buf: UnsafeRawBufferPointer) {
        byte(UInt8(ascii: "\""))
        if !RawJSONWriter.needsEscape(buf) {
            copy(buf)
            return byte(UInt8(ascii: "\""))
        }
        for b in buf {
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0x7F {
                byte(b)
                continue
            }
            byte(0x5C)
            switch b {
            case 0x22: byte(0x22)
            case 0x5C: byte(0x5C)
            case 0x0A: byte(0x6E)
            case 0x0D: byte(0x72)
            case 0x09: byte(0x74)
            default:
                byte(0x75)
                byte(0x30)
                byte(0x30)
                byte(RawJSONWriter.hex[Int(b >> 4)])
                byte(RawJSONWriter.hex[Int(b & 0xF)])
            }
        }
        byte(UInt8(ascii: "\""))
    }

    /// Whether any byte is a control byte (< 0x20 or 0x7F), a quote or a backslash. Eight bytes
    /// at a time: a zero byte in `w ^ c` marks a byte equal to `c`, the classic has-zero test. A
    /// string shorter than eight bytes is read as two overlapping halves (padded with `A`), a
    /// longer one's tail as the last eight bytes: no byte-by-byte loop, whatever the length.
    @inline(__always)
    static func needsEscape(_ buf: UnsafeRawBufferPointer) -> Bool {
        let n = buf.count
        guard n > 0 else { return false }
        if n >= 8 {
            var i = 0
            while i + 8 <= n {
                if wordNeedsEscape(buf.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { return true }
                i += 8
            }
            return i < n && wordNeedsEscape(buf.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self))
        }
        let padding: UInt64 = 0x4141_4141_4141_4141
        if n >= 4 {
            let w = UInt64(buf.loadUnaligned(as: UInt32.self)) | UInt64(buf.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)) << 32
            return wordNeedsEscape(w)
        }
        if n >= 2 {
            let w = UInt64(buf.loadUnaligned(as: UInt16.self)) | UInt64(buf.loadUnaligned(fromByteOffset: n - 2, as: UInt16.self)) << 16
            return wordNeedsEscape(w | padding << 32)
        }
        return wordNeedsEscape(UInt64(buf[0]) | padding << 8)
    }

    @inline(__always) static func wordNeedsEscape(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let below20 = (w &- ones &* 0x20) & ~w & highs != 0
        return below20 || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C)) || hasZero(w ^ (ones &* 0x7F))
    }

    /// Runs `body` with a writer on memory of `bound` bytes (on the stack when small) and appends
    /// what it wrote to `out`: one copy, whatever the number of fields.
    public static func append(to out: inout [UInt8], bound: Int, _ body: (inout RawJSONWriter) -> Void) {
        append((), to: &out, bound: bound) { _, w in body(&w) }
    }

    /// The same, with the value to write handed to `body` (borrowed) rather than captured by it:
    /// a capture copies it.
    public static func append<T>(_ value: T, to out: inout [UInt8], bound: Int, _ body: (T, inout RawJSONWriter) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { memory in
            var w = RawJSONWriter(memory.baseAddress!)
            body(value, &w)
            precondition(w.count <= bound, "JSON bound exceeded")
            out.append(contentsOf: UnsafeBufferPointer(start: memory.baseAddress!, count: w.count))
        }
    }
}

extension ZonedTime {
    /// `YYYY-MM-DDTHH:MM:SS±HH:MM`, 25 bytes.
    func writeISO8601(to w: inout RawJSONWriter) {
        var day = RawJSONWriter.DayCache()
        writeISO8601(to: &w, day: &day)
    }

    func writeISO8601(to w: inout RawJSONWriter, day cache: inout RawJSONWriter.DayCache) {
        // The local wall time: its day (the date, cached) and its second of that day.
        let (days, rest) = CivilDateTime.split(utc + Int64(offset))
        if days != cache.days {
            (cache.year, cache.month, cache.day) = CivilDateTime.civilFromDays(Int(days))
            cache.days = days
        }
        @inline(__always) func two(_ v: Int, _ w: inout RawJSONWriter) {
            w.byte(UInt8(48 + v / 10))
            w.byte(UInt8(48 + v % 10))
        }
        let y = cache.year
        w.byte(UInt8(48 + y / 1000 % 10))
        w.byte(UInt8(48 + y / 100 % 10))
        two(y % 100, &w)
        w.byte(UInt8(ascii: "-"))
        two(cache.month, &w)
        w.byte(UInt8(ascii: "-"))
        two(cache.day, &w)
        w.byte(UInt8(ascii: "T"))
        two(rest / 3600, &w)
        w.byte(UInt8(ascii: ":"))
        two(rest % 3600 / 60, &w)
        w.byte(UInt8(ascii: ":"))
        two(rest % 60, &w)
        let off = Int(offset)
        w.byte(off < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let a = abs(off)
        two(a / 3600, &w)
        w.byte(UInt8(ascii: ":"))
        two(a % 3600 / 60, &w)
    }
}
