/// An instant together with the UTC offset of the PBX's zone at that instant.
/// Printed as ISO 8601 local time with offset: `2026-11-04T09:12:12+01:00`.
public struct ZonedTime: Sendable, Equatable, Comparable {
    /// Seconds since the Unix epoch.
    public var utc: Int64
    /// Offset of local time from UTC, in seconds.
    public var offset: Int32

    public init(utc: Int64, offset: Int32) {
        self.utc = utc
        self.offset = offset
    }

    public var local: CivilDateTime { CivilDateTime(secondsAsUTC: utc + Int64(offset)) }

    public static func < (a: ZonedTime, b: ZonedTime) -> Bool { a.utc < b.utc }

    public var iso8601: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(25)
        appendISO8601(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS±HH:MM` without allocating a formatter.
    public func appendISO8601(to out: inout [UInt8]) {
        RawJSONWriter.append(to: &out, bound: RawJSONWriter.scalarBound) { writeISO8601(to: &$0) }
    }
}
