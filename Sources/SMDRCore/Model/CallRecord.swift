/// One call record (one PBX line, or one leg of a call), in the canonical vocabulary every format maps to.
///
/// Field names are a contract: they are the JSON keys other tools read (see the "Call record fields"
/// table in the README). A fact the PBX did not give is `nil` (JSON `null`), never guessed.
///
/// | field | meaning |
/// |---|---|
/// | `format` | id of the format that parsed the line (`avaya-ipo`, `panasonic`, …) |
/// | `raw` | the record text as received, without its line terminator |
/// | `line` | 1-based line of the input where the record starts |
/// | `start`, `end` | local time with UTC offset; the one the PBX does not print is derived from the other and the duration |
/// | `duration_s` | talk (connected) time in seconds |
/// | `ring_s`, `hold_s`, `park_s` | seconds ringing, on hold, parked |
/// | `direction` | `incoming`, `outgoing` or `internal` |
/// | `answered` | whether the call was answered (`null` when the PBX gives no sign either way) |
/// | `extension`, `extension_name` | the internal party the record is charged to, and its name |
/// | `trunk` | the trunk / line identifier as the PBX prints it |
/// | `number` | the other party: CLI for incoming, dialled number for outgoing, the other extension for internal; digits and `+` only |
/// | `dialed` | the digits as dialled / printed, with the PBX's own marks |
/// | `account_code` | business code ("code affaire") / account code |
/// | `units` | metering units ("taxes") the PBX reported |
/// | `pbx_cost`, `currency` | the cost the PBX reported, as a decimal string, and its currency as printed |
/// | `call_id` | the PBX's identifier linking the records of one call |
/// | `continuation` | more records of this call follow |
/// | `flags` | from ``CallFlag`` |
///
/// Format-specific facts (`transferred_to`, `initial_user`, …) go in ``extras``.
public struct CallRecord: Sendable, Equatable {
    public var format: String
    public var raw: String
    public var line: Int
    public var start: ZonedTime?
    public var end: ZonedTime?
    public var durationSeconds: Int?
    public var ringSeconds: Int?
    public var holdSeconds: Int?
    public var parkSeconds: Int?
    public var direction: Direction?
    public var answered: Bool?
    public var extension_: String?
    public var extensionName: String?
    public var trunk: String?
    public var number: String?
    public var dialed: String?
    public var accountCode: String?
    public var units: Int?
    public var pbxCost: String?
    public var currency: String?
    public var callID: String?
    public var continuation: Bool
    public var flags: CallFlags
    public var extras: [ExtraField]
    /// Stream position of the record's first byte (see ``FramedLine/offset``); not part of the JSON form.
    public var offset: Int64

    public init(format: String, raw: String, line: Int, offset: Int64 = 0) {
        self.format = format
        self.raw = raw
        self.line = line
        self.offset = offset
        self.continuation = false
        self.flags = []
        self.extras = []
    }

    /// Adds a format-specific field; empty strings are not facts and are left out.
    public mutating func setExtra(_ key: String, _ value: ExtraValue?) {
        guard let value else { return }
        if case .string(let s) = value, s.isEmpty { return }
        extras.append(ExtraField(key: key, value: value))
    }

    public mutating func setExtra(_ key: String, _ value: String?) {
        setExtra(key, value.map(ExtraValue.string))
    }

    public func extra(_ key: String) -> ExtraValue? {
        extras.first { $0.key == key }?.value
    }

    /// Whether the record has a time or a duration. Nothing a PBX prints as a call lacks both: such
    /// a "record" is foreign text read by the wrong format. A format hands over a record it cannot
    /// prove readable as `if r.isReadable { .record(r) } else { r.notACall() }` (written out, not a
    /// method, so the record is not copied); one whose parser always sets a time appends it as is.
    public var isReadable: Bool { start != nil || end != nil || durationSeconds != nil }

    /// The reject for a record that is not ``isReadable``.
    public func notACall() -> ParseEvent {
        .reject(Reject(line: line, text: raw, reason: "no time and no duration read: not a \(format) record (is the format right?)", format: format, offset: offset))
    }

    /// Sets start and end from whichever the PBX printed and the total elapsed seconds.
    public mutating func setTimes(start: ZonedTime?, end: ZonedTime?, elapsed: Int?, zone: ZoneClock) {
        self.start = start
        self.end = end
        guard let elapsed else { return }
        if let start, end == nil {
            self.end = zone.zoned(utc: start.utc + Int64(elapsed))
        } else if let end, start == nil {
            self.start = zone.zoned(utc: end.utc - Int64(elapsed))
        }
    }
}

/// Direction of a call as seen from the site.
public enum Direction: String, Sendable, Equatable, CaseIterable {
    case incoming, outgoing, `internal`
}

/// A format-specific field beyond the canonical set.
public struct ExtraField: Sendable, Equatable {
    public let key: String
    public let value: ExtraValue

    public init(key: String, value: ExtraValue) {
        self.key = key
        self.value = value
    }
}

public enum ExtraValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
}
