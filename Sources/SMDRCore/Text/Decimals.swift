/// Decimal amounts as text, never through binary floating point.
public enum Decimals {
    /// Normalises a PBX amount such as `00560.00`, `  12.5000`, `0,43` or `1.234,50` to a plain
    /// decimal string (`560.00`, `12.5000`, `0.43`, `1234.50`), keeping the printed decimals.
    /// `nil` when the text is not an amount.
    public static func normalise(_ text: some StringProtocol) -> String? {
        var s = Substring(text).trimmingCharacters(in: " \t")
        var negative = false
        if s.hasPrefix("-") {
            negative = true
            s = s.dropFirst()
        }
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == ",") }) else { return nil }
        // The last separator is the decimal point; the others group thousands.
        let seps = s.filter { $0 == "." || $0 == "," }
        var intPart = Substring(s)
        var frac = Substring("")
        if let last = s.lastIndex(where: { $0 == "." || $0 == "," }) {
            let tail = s[s.index(after: last)...]
            // `1,234` alone (one comma, three digits) is ambiguous; PBXs print cents, so read it as decimals.
            intPart = s[..<last]
            frac = tail
            if seps.count > 1 && Set(seps).count == 1 {
                // `1.234.567`: all grouping, no decimals.
                intPart = Substring(s)
                frac = ""
            }
        }
        let intDigits = intPart.filter(\.isNumber)
        guard !(intDigits.isEmpty && frac.isEmpty) else { return nil }
        var i = Substring(intDigits)
        while i.count > 1 && i.first == "0" { i = i.dropFirst() }
        let whole = i.isEmpty ? "0" : String(i)
        let sign = negative ? "-" : ""
        return frac.isEmpty ? sign + whole : sign + whole + "." + frac
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
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
