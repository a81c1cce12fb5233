/// RFC 4180 field splitting: quoted fields, doubled quotes inside them, separators in quotes.
public enum CSVSplitter {
    public static func split(_ bytes: ArraySlice<UInt8>, separator: UInt8 = UInt8(ascii: ",")) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var inQuotes = false
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.endIndex && bytes[i + 1] == UInt8(ascii: "\"") {
                        current.append(b)
                        i += 1
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(b)
                }
            } else if b == UInt8(ascii: "\"") && current.allSatisfy(\.isBlank) {
                current.removeAll()
                inQuotes = true
            } else if b == separator {
                fields.append(ArraySlice(current).decoded)
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(b)
            }
            i += 1
        }
        fields.append(ArraySlice(current).decoded)
        return fields
    }
}
