extension Tariff.Numbering {
    /// The international form (E.164 digits, no `+`) of a number as the PBX recorded it, so that
    /// `0 01 42 68 12 34`, `01 42 68 12 34` and `+33142681234` rate alike. Readings are tried in
    /// this order, the first that fits wins:
    /// 1. `+` in front: already international;
    /// 2. access digit + national prefix + exactly `national_length` digits;
    /// 3. national prefix + exactly `national_length` digits;
    /// 4. access digit + international prefix + number;
    /// 5. international prefix + number;
    /// 6. exactly `national_length` digits: a national number dialled without prefix;
    /// 7. with `area_code`: a local number (shorter), completed with the site's area code.
    /// `nil` when none fits (a short code, an extension).
    public func international(_ number: String) -> String? {
        var n = Substring(number)
        if n.first == "+" { return String(n.dropFirst()) }
        n = n.filter { $0.isASCII && $0.isNumber }[...]
        let access = accessDigit ?? ""
        let nsnLength = nationalLength
        func fitsNational(_ rest: Substring) -> Bool { nsnLength.map { rest.count == $0 } ?? (rest.count >= 6) }
        if !access.isEmpty, n.hasPrefix(access + nationalPrefix) {
            let rest = n.dropFirst(access.count + nationalPrefix.count)
            if fitsNational(rest) && !rest.hasPrefix(nationalPrefix) { return countryCode + rest }
        }
        if !nationalPrefix.isEmpty, n.hasPrefix(nationalPrefix), !n.hasPrefix(internationalPrefix) || nsnLength.map({ n.count - nationalPrefix.count == $0 }) == true {
            let rest = n.dropFirst(nationalPrefix.count)
            if fitsNational(rest) { return countryCode + rest }
        }
        if !access.isEmpty, n.hasPrefix(access + internationalPrefix) {
            let rest = n.dropFirst(access.count + internationalPrefix.count)
            if rest.count >= 4 { return String(rest) }
        }
        if n.hasPrefix(internationalPrefix) {
            let rest = n.dropFirst(internationalPrefix.count)
            if rest.count >= 4 { return String(rest) }
        }
        if let l = nsnLength, n.count == l, !n.hasPrefix(nationalPrefix) { return countryCode + n }
        if let area = areaCode, let l = nsnLength, n.count == l - area.count { return countryCode + area + n }
        return nil
    }

    /// The number as dialled inside the country (national prefix form), to match free numbers
    /// such as `15`, `112` or `0800`.
    func nationalForms(_ number: String) -> [String] {
        var out = [number]
        if let a = accessDigit, number.hasPrefix(a) { out.append(String(number.dropFirst(a.count))) }
        if let i = international(number), i.hasPrefix(countryCode) { out.append(nationalPrefix + i.dropFirst(countryCode.count)) }
        return out
    }
}
