/// Decimal amounts as text, never through binary floating point.
public enum Decimals {
    /// Normalises a PBX amount such as `00560.00`, `  12.5000`, `0,43` or `1.234,50` to a plain
    /// decimal string (`560.00`, `12.5000`, `0.43`, `1234.50`), keeping the printed decimals.
    /// `nil` when the text is not an amount.
    public static func normalise(_ text: some StringProtocol) -> String? {
        // Fast path: digits with at most one dot (`00560.00`), the usual PBX print.
        var simple = true
        var dots = 0
        for b in text.utf8 {
            if b == UInt8(ascii: ".") {
                dots += 1
            } else if !b.isDigit {
                simple = false
                break
            }
        }
        if simple && dots <= 1 && !text.isEmpty && text.utf8.first != UInt8(ascii: ".") {
            var u = Substring(text)
            while u.utf8.count > 1, u.utf8.first == UInt8(ascii: "0"), u.utf8.dropFirst().first != UInt8(ascii: ".") { u = u.dropFirst() }
            return String(u)
        }
        var bytes = Array(text.utf8)
        while let f = bytes.first, f.isBlank { bytes.removeFirst() }
        while let l = bytes.last, l.isBlank { bytes.removeLast() }
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes.removeFirst()
        }
        guard !bytes.isEmpty, bytes.allSatisfy({ $0.isDigit || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ",") }) else { return nil }
        let isSep = { (b: UInt8) in b == UInt8(ascii: ".") || b == UInt8(ascii: ",") }
        // The last separator is the decimal point; the others group thousands (`1.234,50`).
        var intPart = bytes[...]
        var frac = bytes[bytes.endIndex...]
        let seps = bytes.filter(isSep)
        if let last = bytes.lastIndex(where: isSep), !(seps.count > 1 && seps.allSatisfy { $0 == seps[0] }) {
            intPart = bytes[..<last]
            frac = bytes[(last + 1)...]
        }
        var whole = intPart.filter(\.isDigit)[...]
        guard !(whole.isEmpty && frac.isEmpty) else { return nil }
        while whole.count > 1 && whole.first == UInt8(ascii: "0") { whole = whole.dropFirst() }
        var out = negative ? "-" : ""
        out += whole.isEmpty ? "0" : String(decoding: whole, as: UTF8.self)
        if !frac.isEmpty { out += "." + String(decoding: frac, as: UTF8.self) }
        return out
    }

    /// `digits` scaled by 10^-places: `("1234", 2)` → `12.34`.
    public static func scaled(_ digits: String, places: Int) -> String? {
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var d = Substring(digits)
        while d.count > 1 && d.first == "0" { d = d.dropFirst() }
        if places <= 0 { return String(d) + String(repeating: "0", count: -places) }
        let padded = String(repeating: "0", count: max(0, places + 1 - d.count)) + d
        let cut = padded.index(padded.endIndex, offsetBy: -places)
        return padded[..<cut] + "." + padded[cut...]
    }
}

extension Substring {
    /// Without the given characters at either end.
    public func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
