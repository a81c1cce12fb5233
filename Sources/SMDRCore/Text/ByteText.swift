/// Zero-based, bounds-forgiving access to a line's bytes: the tool every column table uses.
///
/// Columns past the end of the line read as empty, so a record whose trailing blanks were
/// stripped (as in many captures) parses like the padded one.
public struct ByteText: Sendable {
    public let bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    public init(_ string: String) { self.bytes = ArraySlice(Array(string.utf8)) }

    @inline(__always) public var count: Int { bytes.count }

    /// The byte at column `i`, or a space past the end.
    @inline(__always) public subscript(i: Int) -> UInt8 {
        i >= 0 && i < bytes.count ? bytes[bytes.startIndex + i] : 0x20
    }

    /// Columns `[from, to)`, clamped to the line.
    @inline(__always) public func slice(_ from: Int, _ to: Int) -> ArraySlice<UInt8> {
        let lo = max(0, min(from, bytes.count))
        let hi = max(lo, min(to, bytes.count))
        return bytes[(bytes.startIndex + lo)..<(bytes.startIndex + hi)]
    }

    /// Columns `[from, to)` with surrounding blanks removed.
    @inline(__always) public func field(_ from: Int, _ to: Int) -> ArraySlice<UInt8> {
        slice(from, to).trimmed
    }

    /// Columns `[from, to)` trimmed, as a string; `nil` when blank.
    public func string(_ from: Int, _ to: Int) -> String? {
        let f = field(from, to)
        return f.isEmpty ? nil : f.decoded
    }

    /// 1-based inclusive columns, as vendor manuals write them.
    public func string(columns range: ClosedRange<Int>) -> String? {
        string(range.lowerBound - 1, range.upperBound)
    }

    public func field(columns range: ClosedRange<Int>) -> ArraySlice<UInt8> {
        field(range.lowerBound - 1, range.upperBound)
    }

    public var decoded: String { bytes.decoded }
    public var trimmed: ArraySlice<UInt8> { bytes.trimmed }

    /// Splits on blanks into column ranges (zero-based, end-exclusive).
    public func tokens() -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        let n = count
        while i < n {
            while i < n && self[i].isBlank { i += 1 }
            if i >= n { break }
            var j = i
            while j < n && !self[j].isBlank { j += 1 }
            out.append(i..<j)
            i = j
        }
        return out
    }

    public func string(_ r: Range<Int>) -> String { slice(r.lowerBound, r.upperBound).decoded }

    /// Finds the first column at or after `from` where `pattern` matches (`9` = digit, `?` = any, else literal).
    public func find(_ pattern: StaticString, from: Int = 0) -> Int? {
        pattern.withUTF8Buffer { p in
            guard count >= p.count else { return nil }
            var i = max(0, from)
            while i + p.count <= count {
                if matches(p, at: i) { return i }
                i += 1
            }
            return nil
        }
    }

    /// Whether `pattern` matches at column `at` (`9` = digit, `?` = any byte, else literal).
    @inline(__always) public func matches(_ pattern: StaticString, at: Int) -> Bool {
        pattern.withUTF8Buffer { matches($0, at: at) }
    }

    @inline(__always) func matches(_ pattern: UnsafeBufferPointer<UInt8>, at: Int) -> Bool {
        guard at >= 0, at + pattern.count <= count else { return false }
        let base = bytes.startIndex + at
        for k in 0..<pattern.count {
            let c = pattern[k]
            let b = bytes[base + k]
            if c == UInt8(ascii: "9") {
                if !b.isDigit { return false }
            } else if c != UInt8(ascii: "?") && b != c {
                return false
            }
        }
        return true
    }
}

extension UInt8 {
    @inline(__always) public var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    @inline(__always) public var isBlank: Bool { self == 0x20 || self == 0x09 }
    @inline(__always) public var isUpperLetter: Bool { self >= 0x41 && self <= 0x5A }
    @inline(__always) public var isLetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
    @inline(__always) var digitValue: Int { Int(self) - 48 }
}

extension ArraySlice<UInt8> {
    /// Without leading and trailing blanks.
    public var trimmed: ArraySlice<UInt8> {
        var lo = startIndex
        var hi = endIndex
        while lo < hi && self[lo].isBlank { lo += 1 }
        while hi > lo && self[hi - 1].isBlank { hi -= 1 }
        return self[lo..<hi]
    }

    /// The text: UTF-8 when the bytes are valid UTF-8, otherwise Latin-1 (so `Ã©` stays readable as `é`).
    public var decoded: String {
        withUnsafeBufferPointer { ArraySliceFree.decode($0) }
    }

    /// A non-negative decimal integer made of digits only, allowing surrounding blanks.
    public var int: Int? {
        let t = trimmed
        guard !t.isEmpty, t.count <= 18 else { return nil }
        var v = 0
        for b in t {
            guard b.isDigit else { return nil }
            v = v &* 10 &+ b.digitValue
        }
        return v
    }

    public var allDigits: Bool { !isEmpty && allSatisfy(\.isDigit) }

    /// `hh:mm:ss`, `h:mm:ss`, `hhhh:mm:ss`, `mm:ss` or `hh:mm'ss` (Panasonic) as seconds.
    public var clockSeconds: Int? { ClockText.seconds(self) }
}

/// Reads clock-style durations without allocating.
enum ClockText {
    @inline(__always) static func seconds<C: Collection<UInt8>>(_ c: C) -> Int? {
        var parts = (0, 0, 0)
        var count = 0
        var current = -1
        var started = false
        var trailingBlank = false
        for b in c {
            if b.isBlank {
                if started { trailingBlank = true }
                continue
            }
            if trailingBlank { return nil }
            started = true
            if b.isDigit {
                current = (current < 0 ? 0 : current) * 10 + b.digitValue
                if current > 999_999 { return nil }
            } else if b == UInt8(ascii: ":") || b == UInt8(ascii: "'") || b == UInt8(ascii: ".") {
                guard current >= 0, count < 2 else { return nil }
                if count == 0 { parts.0 = current } else { parts.1 = current }
                count += 1
                current = -1
            } else {
                return nil
            }
        }
        guard current >= 0 else { return nil }
        switch count {
        case 1:
            guard current < 60 else { return nil }
            return parts.0 * 60 + current
        case 2:
            guard parts.1 < 60, current < 60 else { return nil }
            return parts.0 * 3600 + parts.1 * 60 + current
        default: return nil
        }
    }
}

extension String {
    /// Digits and `+` only: the canonical form of a telephone number (a `+` is kept in front only).
    /// `nil` when no digit remains.
    public var phoneDigits: String? {
        var s = self
        return s.withUTF8 { buf -> String? in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, buf.count)) { out -> String? in
                var n = 0
                var digits = 0
                for b in buf {
                    if b.isDigit {
                        out[n] = b
                        n += 1
                        digits += 1
                    } else if b == UInt8(ascii: "+") && n == 0 {
                        out[n] = b
                        n += 1
                    }
                }
                return digits == 0 ? nil : String(decoding: UnsafeBufferPointer(rebasing: out[0..<n]), as: UTF8.self)
            }
        }
    }

    /// The string with blanks removed at both ends; `nil` when nothing is left.
    public var nonBlank: String? {
        let t = trimmingBlanks
        return t.isEmpty ? nil : t
    }

    var trimmingBlanks: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

extension ByteText {
    /// Only rule characters (`-`, `=`, `*`, `_`, `+`, `|`, `#`, `~`, box drawing in CP866/UTF-8) and blanks, with at least three of them.
    public var isRule: Bool {
        var marks = 0
        for i in 0..<count {
            let b = self[i]
            switch b {
            case UInt8(ascii: "-"), UInt8(ascii: "="), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "|"),
                UInt8(ascii: "#"), UInt8(ascii: "~"), UInt8(ascii: "."), 0x80...0xDF, 0xE2:
                marks += 1  // ASCII marks; CP866 box drawing (B0-DF); UTF-8 box drawing (E2 94/95 xx)
            case UInt8(ascii: " "), UInt8(ascii: "\t"), 0x0D, 0x1A, 0x11, 0x13, 0x07:
                continue
            default:
                return false
            }
        }
        return marks >= 3
    }

    /// `n` digits at column `at` as a number, or `nil` when any of them is not a digit.
    @inline(__always) public func number(_ at: Int, _ n: Int) -> Int? {
        guard at >= 0, at + n <= count else { return nil }
        var v = 0
        for k in 0..<n {
            let b = self[at + k]
            guard b.isDigit else { return nil }
            v = v * 10 + b.digitValue
        }
        return v
    }
}

extension FramedLine {
    /// A reject for this line, with the reason a person can act on.
    public func reject(_ reason: String, format: String) -> ParseEvent {
        .reject(Reject(line: number, text: bytes.decoded, reason: reason, format: format, offset: offset))
    }

    /// A line with no digits where a record was expected: a rule when it is only rule characters,
    /// otherwise a reject (a heading or message the PBX prints must be named by its format).
    public func noDigits(format: String) -> ParseEvent {
        if text.isRule { return skip(.rule) }
        return reject("text with no digits where a \(format) record was expected", format: format)
    }

    /// This line is not a call record, of the named kind (`detail` says more where useful).
    public func skip(_ kind: SkipKind, _ detail: String? = nil) -> ParseEvent { .skip(line: number, kind: kind, detail: detail) }
}
