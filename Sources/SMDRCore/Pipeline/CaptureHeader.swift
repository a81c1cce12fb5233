import Foundation

/// What a capture says about how it was recorded: the `# Key: value` lines at the top of a
/// capture of `Samples/` (or the lines of a field capture's settings file): its format, the
/// PBX's time zone, the year and date order for formats that print none. Tests, goldens and the
/// bench read captures with the options it gives.
public struct CaptureHeader: Sendable, Equatable {
    public var fields: [String: String]

    /// The `# Key: value` lines that open a capture (reading stops at the first other line).
    public init(capture bytes: some Collection<UInt8>) {
        var fields: [String: String] = [:]
        for line in String(decoding: bytes.prefix(8192), as: UTF8.self).split(whereSeparator: \.isNewline) {
            guard line.hasPrefix("# ") else { break }
            CaptureHeader.add(line.dropFirst(2), to: &fields)
        }
        self.fields = fields
    }

    /// `Key: value` lines of a settings file; lines starting with `#` are comments.
    public init(settings text: String) {
        var fields: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") { CaptureHeader.add(line[...], to: &fields) }
        self.fields = fields
    }

    static func add(_ line: Substring, to fields: inout [String: String]) {
        let parts = line.split(separator: ":", maxSplits: 1)
        if parts.count == 2 { fields[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces) }
    }

    public subscript(key: String) -> String? { fields[key] }

    /// The format id the capture was recorded from.
    public var format: String? { fields["Format"] }

    /// Parse options as the capture says (UTC when it names no time zone).
    public func options(receivedAt: Date) -> ParseOptions {
        ParseOptions(
            timeZone: fields["Timezone"].flatMap { TimeZone(identifier: $0) } ?? TimeZone(identifier: "UTC")!, year: fields["Year"].flatMap { Int($0) },
            dateOrder: fields["Date-Order"].flatMap { ParseOptions.DateOrder(rawValue: $0) }, receivedAt: receivedAt)
    }
}
