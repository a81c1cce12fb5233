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
        var s = number
        return s.withUTF8 { raw -> String? in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: raw.count + 1) { d -> String? in
                // Digits only (a `+` in front says it is international already).
                var n = 0
                let plus = raw.first == UInt8(ascii: "+")
                for b in raw where b >= 0x30 && b <= 0x39 {
                    d[n] = b
                    n += 1
                }
                let digits = UnsafeBufferPointer(rebasing: d[0..<n])
                if plus { return n == 0 ? nil : String(decoding: digits, as: UTF8.self) }
                return international(digits)
            }
        }
    }

    func international(_ n: UnsafeBufferPointer<UInt8>) -> String? {
        let access = accessBytes, national = nationalBytes, intl = internationalBytes
        func starts(_ p: [UInt8], at: Int = 0) -> Bool {
            guard at + p.count <= n.count else { return false }
            for k in 0..<p.count where n[at + k] != p[k] { return false }
            return true
        }
        func fitsNational(_ count: Int) -> Bool { nationalLength.map { count == $0 } ?? (count >= 6) }
        func make(_ prefix: [UInt8], from: Int) -> String {
            String(unsafeUninitializedCapacity: prefix.count + n.count - from) { out in
                for (k, b) in prefix.enumerated() { out[k] = b }
                for k in from..<n.count { out[prefix.count + k - from] = n[k] }
                return prefix.count + n.count - from
            }
        }
        if !access.isEmpty, starts(access), starts(national, at: access.count) {
            let from = access.count + national.count
            if fitsNational(n.count - from) && !starts(national, at: from) { return make(countryBytes, from: from) }
        }
        if !national.isEmpty, starts(national), !starts(intl) || nationalLength.map({ n.count - national.count == $0 }) == true {
            if fitsNational(n.count - national.count) { return make(countryBytes, from: national.count) }
        }
        if !access.isEmpty, starts(access), starts(intl, at: access.count), n.count - access.count - intl.count >= 4 {
            return make([], from: access.count + intl.count)
        }
        if starts(intl), n.count - intl.count >= 4 { return make([], from: intl.count) }
        if let l = nationalLength, n.count == l, !starts(national) { return make(countryBytes, from: 0) }
        if let area = areaBytes, let l = nationalLength, n.count == l - area.count { return make(countryBytes + area, from: 0) }
        return nil
    }

    /// Whether a number is one of the free numbers (emergency, toll-free), written in national
    /// form (`15`, `112`, `0800`): short codes match exactly, longer entries as prefixes.
    public func isFree(_ number: String, free: [[UInt8]]) -> Bool {
        guard !free.isEmpty else { return false }
        var s = number
        return s.withUTF8 { raw -> Bool in
            var forms: [UnsafeBufferPointer<UInt8>] = [raw]
            if !accessBytes.isEmpty, raw.count > accessBytes.count, Array(raw.prefix(accessBytes.count)) == accessBytes {
                forms.append(UnsafeBufferPointer(rebasing: raw[accessBytes.count...]))
            }
            for form in forms {
                for f in free where form.count >= f.count {
                    guard f.count >= 3 || form.count == f.count else { continue }
                    var same = true
                    for k in 0..<f.count where form[k] != f[k] {
                        same = false
                        break
                    }
                    if same { return true }
                }
            }
            // The international form of a national free number (+33800… for 0800…).
            if let i = international(number), i.hasPrefix(countryCode) {
                let national = nationalPrefix + i.dropFirst(countryCode.count)
                return free.contains { f in f.count >= 3 && national.utf8.starts(with: f) }
            }
            return false
        }
    }
}
