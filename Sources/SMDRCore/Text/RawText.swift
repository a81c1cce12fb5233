/// A line's bytes seen through a pointer, for the hottest parsers (Avaya IP Office, Panasonic):
/// fields are ranges, so reading forty of them costs no reference counting.
///
/// Valid only inside ``FramedLine/withRawText(_:)``; never store it.
public struct RawText {
    public let p: UnsafeBufferPointer<UInt8>

    @inline(__always) public var count: Int { p.count }

    /// The byte at column `i`, or a space past the end.
    @inline(__always) public subscript(i: Int) -> UInt8 { i >= 0 && i < p.count ? p[i] : 0x20 }

    @inline(__always) public func clamp(_ from: Int, _ to: Int) -> Range<Int> {
        let lo = max(0, min(from, p.count))
        return lo..<max(lo, min(to, p.count))
    }

    /// Columns `[from, to)` without surrounding blanks.
    @inline(__always) public func trimmed(_ from: Int, _ to: Int) -> Range<Int> {
        var r = clamp(from, to)
        while !r.isEmpty && p[r.lowerBound].isBlank { r = (r.lowerBound + 1)..<r.upperBound }
        while !r.isEmpty && p[r.upperBound - 1].isBlank { r = r.lowerBound..<(r.upperBound - 1) }
        return r
    }

    @inline(__always) public func trimmed(_ r: Range<Int>) -> Range<Int> { trimmed(r.lowerBound, r.upperBound) }

    /// The text of a range (UTF-8, or Latin-1 when not valid UTF-8); `nil` when empty.
    @inline(__always) public func string(_ r: Range<Int>) -> String? {
        r.isEmpty ? nil : ArraySliceFree.decode(UnsafeBufferPointer(rebasing: p[r]))
    }

    public func string(_ from: Int, _ to: Int) -> String? { string(trimmed(from, to)) }

    @inline(__always) public func int(_ r: Range<Int>) -> Int? {
        guard !r.isEmpty, r.count <= 18 else { return nil }
        var v = 0
        for i in r {
            let b = p[i]
            guard b.isDigit else { return nil }
            v = v * 10 + b.digitValue
        }
        return v
    }

    @inline(__always) public func number(_ at: Int, _ n: Int) -> Int? {
        guard at >= 0, at + n <= p.count else { return nil }
        return int(at..<(at + n))
    }

    @inline(__always) public func clockSeconds(_ r: Range<Int>) -> Int? { ClockText.seconds(UnsafeBufferPointer(rebasing: p[r])) }

    @inline(__always) public func matches(_ pattern: StaticString, at: Int) -> Bool {
        pattern.withUTF8Buffer { pat in
            guard at >= 0, at + pat.count <= p.count else { return false }
            for k in 0..<pat.count {
                let c = pat[k], b = p[at + k]
                if c == UInt8(ascii: "9") {
                    if !b.isDigit { return false }
                } else if c != UInt8(ascii: "?") && b != c {
                    return false
                }
            }
            return true
        }
    }

    public func find(_ pattern: StaticString, from: Int = 0) -> Int? {
        pattern.withUTF8Buffer { pat -> Int? in
            let n = pat.count
            // Anchor on the pattern's first literal byte, then check the whole pattern there.
            var anchor = -1
            for k in 0..<n where pat[k] != UInt8(ascii: "9") && pat[k] != UInt8(ascii: "?") {
                anchor = k
                break
            }
            var i = max(0, from)
            while i + n <= p.count {
                if anchor < 0 || p[i + anchor] == pat[anchor] {
                    if matches(pattern, at: i) { return i }
                }
                i += 1
            }
            return nil
        }
    }

    public func contains(_ r: Range<Int>, where predicate: (UInt8) -> Bool) -> Bool {
        for i in r where predicate(p[i]) { return true }
        return false
    }
}

extension FramedLine {
    /// Runs `body` with a pointer view of the line.
    @inline(__always) public func withRawText<R>(_ body: (RawText) -> R) -> R {
        bytes.withUnsafeBufferPointer { body(RawText(p: $0)) }
    }
}

enum ArraySliceFree {
    @inline(__always) static func decode(_ b: UnsafeBufferPointer<UInt8>) -> String {
        var ascii = true
        for x in b where x >= 0x80 {
            ascii = false
            break
        }
        if ascii { return String(decoding: b, as: UTF8.self) }
        if let s = String(validating: b, as: UTF8.self) { return s }
        var scalars = String.UnicodeScalarView()
        for x in b { scalars.append(Unicode.Scalar(x)) }
        return String(scalars)
    }
}
