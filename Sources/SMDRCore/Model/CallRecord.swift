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
public struct CallRecord: Sendable {
    public var format: String
    public var line: Int
    public var start: ZonedTime?
    public var end: ZonedTime?
    public var durationSeconds: Int?
    public var ringSeconds: Int?
    public var holdSeconds: Int?
    public var parkSeconds: Int?
    public var direction: Direction?
    public var answered: Bool?
    public var units: Int?
    public var continuation: Bool
    public var flags: CallFlags
    /// Stream position of the record's first byte (see ``FramedLine/offset``); not part of the JSON form.
    public var offset: Int64

    /// The text fields' bytes (see ``RecordText``), and where each field lies in them.
    var text: RecordText
    var rawSlot: TextSlot
    var extensionSlot = TextSlot.none
    var extensionNameSlot = TextSlot.none
    var trunkSlot = TextSlot.none
    var numberSlot = TextSlot.none
    var dialedSlot = TextSlot.none
    var accountCodeSlot = TextSlot.none
    var pbxCostSlot = TextSlot.none
    var currencySlot = TextSlot.none
    var callIDSlot = TextSlot.none
    var extraSlots: [ExtraSlot] = []

    public init(format: String, raw: String, line: Int, offset: Int64 = 0) {
        self.format = format
        self.line = line
        self.offset = offset
        self.continuation = false
        self.flags = []
        text = RecordText()
        rawSlot = text.append(raw)
    }

    /// A record whose raw text is the line being read: its fields can then be set from columns of
    /// that line (``setText(_:_:_:)``) without making a `String` for each.
    public init(format: String, rawText t: RawText, line: Int, offset: Int64) {
        self.format = format
        self.line = line
        self.offset = offset
        self.continuation = false
        self.flags = []
        text = RecordText(line: t)
        rawSlot = text.lineBase != nil ? TextSlot(start: 0, count: t.count) : text.append(t.string(0..<t.count) ?? "")
        extraSlots.reserveCapacity(8)
    }

    public var raw: String {
        get { text.string(rawSlot) ?? "" }
        set { rawSlot = text.append(newValue) }
    }
    public var extension_: String? { get { self[text: .extension_] } set { self[text: .extension_] = newValue } }
    public var extensionName: String? { get { self[text: .extensionName] } set { self[text: .extensionName] = newValue } }
    public var trunk: String? { get { self[text: .trunk] } set { self[text: .trunk] = newValue } }
    public var number: String? { get { self[text: .number] } set { self[text: .number] = newValue } }
    public var dialed: String? { get { self[text: .dialed] } set { self[text: .dialed] = newValue } }
    public var accountCode: String? { get { self[text: .accountCode] } set { self[text: .accountCode] = newValue } }
    public var pbxCost: String? { get { self[text: .pbxCost] } set { self[text: .pbxCost] = newValue } }
    public var currency: String? { get { self[text: .currency] } set { self[text: .currency] = newValue } }
    public var callID: String? { get { self[text: .callID] } set { self[text: .callID] = newValue } }

    /// A text field as a `String` (made from its bytes on each read; set, its bytes are appended).
    private subscript(text field: TextField) -> String? {
        get { text.string(self[slot: field]) }
        set { self[slot: field] = text.append(newValue) }
    }

    /// Format-specific fields, in the order they were set.
    public var extras: [ExtraField] {
        get { extraSlots.map { $0.field(in: text) } }
        set { extraSlots = newValue.map { ExtraSlot($0, in: &text) } }
    }

    /// The text fields a format can set from columns of its line.
    public enum TextField: Sendable {
        case extension_, extensionName, trunk, number, dialed, accountCode, pbxCost, currency, callID
    }

    private subscript(slot field: TextField) -> TextSlot {
        get {
            switch field {
            case .extension_: extensionSlot
            case .extensionName: extensionNameSlot
            case .trunk: trunkSlot
            case .number: numberSlot
            case .dialed: dialedSlot
            case .accountCode: accountCodeSlot
            case .pbxCost: pbxCostSlot
            case .currency: currencySlot
            case .callID: callIDSlot
            }
        }
        set {
            switch field {
            case .extension_: extensionSlot = newValue
            case .extensionName: extensionNameSlot = newValue
            case .trunk: trunkSlot = newValue
            case .number: numberSlot = newValue
            case .dialed: dialedSlot = newValue
            case .accountCode: accountCodeSlot = newValue
            case .pbxCost: pbxCostSlot = newValue
            case .currency: currencySlot = newValue
            case .callID: callIDSlot = newValue
            }
        }
    }

    /// Sets a field to columns `r` of the record's line (what `t.string(r)` reads: absent when
    /// empty). `t` is the line the record was made from (``init(format:rawText:line:offset:)``).
    public mutating func setText(_ field: TextField, _ t: RawText, _ r: Range<Int>) {
        self[slot: field] = text.slice(t, r)
    }

    /// Sets a field to the telephone number in columns `r` (what `t.string(r)?.phoneDigits` reads):
    /// the columns themselves when they are digits already.
    public mutating func setDigits(_ field: TextField, _ t: RawText, _ r: Range<Int>) {
        var plain = !r.isEmpty
        for i in r where !t.p[i].isDigit && !(i == r.lowerBound && t.p[i] == UInt8(ascii: "+") && r.count > 1) {
            plain = false
            break
        }
        if plain, text.lineBase != nil {
            self[slot: field] = text.slice(t, r)
        } else {
            self[slot: field] = text.append(t.string(r)?.phoneDigits)
        }
    }

    /// Adds a format-specific field; empty strings are not facts and are left out.
    public mutating func setExtra(_ key: String, _ value: ExtraValue?) {
        guard let value else { return }
        if case .string(let s) = value, s.isEmpty { return }
        extraSlots.append(ExtraSlot(ExtraField(key: key, value: value), in: &text))
    }

    public mutating func setExtra(_ key: String, _ value: String?) {
        setExtra(key, value.map(ExtraValue.string))
    }

    /// Adds a format-specific field from columns `r` of the record's line (absent when empty).
    public mutating func setExtra(_ key: StaticString, _ t: RawText, _ r: Range<Int>) {
        let slot = text.slice(t, r)
        guard !slot.isNone, slot.count > 0 else { return }
        extraSlots.append(ExtraSlot(key: key, value: .text(slot)))
    }

    /// Adds format-specific fields after those already set.
    public mutating func addExtras(_ fields: [ExtraField]) {
        for f in fields { extraSlots.append(ExtraSlot(f, in: &text)) }
    }

    public func extra(_ key: String) -> ExtraValue? {
        extraSlots.first { $0.hasKey(key) }.map { $0.field(in: text).value }
    }

    /// Lines in the raw text (a multi-line record joins its lines with LF).
    public var rawLineCount: Int {
        if text.isWholeLine(rawSlot) { return 1 }
        return text.withBytes { all in
            var n = 1
            for i in rawSlot.range where all[i] == 0x0A { n += 1 }
            return n
        }
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

extension CallRecord: Equatable {
    /// Field by field, as the JSON form would tell them apart (not by how the text is held).
    public static func == (a: CallRecord, b: CallRecord) -> Bool {
        a.format == b.format && a.line == b.line && a.start == b.start && a.end == b.end && a.durationSeconds == b.durationSeconds
            && a.ringSeconds == b.ringSeconds && a.holdSeconds == b.holdSeconds && a.parkSeconds == b.parkSeconds && a.direction == b.direction
            && a.answered == b.answered && a.units == b.units && a.continuation == b.continuation && a.flags == b.flags && a.offset == b.offset
            && a.raw == b.raw && a.extension_ == b.extension_ && a.extensionName == b.extensionName && a.trunk == b.trunk && a.number == b.number
            && a.dialed == b.dialed && a.accountCode == b.accountCode && a.pbxCost == b.pbxCost && a.currency == b.currency && a.callID == b.callID
            && a.extras == b.extras
    }
}
