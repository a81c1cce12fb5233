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
public struct CallRecord: @unchecked Sendable {
    /// The record's fields and text, in one allocation (see ``RecordStorage``), copied before a
    /// change when another record shares them: a record handed to another thread is never changed
    /// under it (hence `@unchecked Sendable`: the standard library's buffer class is not `Sendable`).
    private(set) var storage: RecordStorage

    /// Room for a record's usual extra fields, so that setting them does not grow the storage.
    private static let usualExtras = 8

    public init(format: String, raw: String, line: Int, offset: Int64 = 0) {
        storage = RecordStorage.make(RecordFields(format: format, line: line, offset: offset), bytes: raw.utf8.count + 64, extras: Self.usualExtras)
        let slot = append(raw)
        storage.fields.pointee.rawSlot = slot
    }

    /// A record whose raw text is the line being read: its fields can then be set from columns of
    /// that line (``setText(_:_:_:)``) without making a `String` for each.
    public init(format: String, rawText t: RawText, line: Int, offset: Int64) {
        let (ascii, plain) = RecordStorage.scan(t)
        storage = RecordStorage.make(RecordFields(format: format, line: line, offset: offset), bytes: t.count + 48, extras: Self.usualExtras)
        if ascii {
            let f = storage.fields
            f.pointee.rawSlot = storage.append(UnsafeRawBufferPointer(t.p))
            f.pointee.lineIsText = true
            f.pointee.lineEnd = t.count
            f.pointee.lineIsPlainJSON = plain
        } else {
            let slot = append(t.string(0..<t.count) ?? "")
            storage.fields.pointee.rawSlot = slot
        }
    }

    /// The fields, to be changed: the storage is copied first when another record shares it.
    @inline(__always) private var fields: UnsafeMutablePointer<RecordFields> {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(roomFor: 0, extras: 0) }
            return storage.fields
        }
    }

    /// Makes the storage this record's own, with room for `bytes` more text and `extras` more fields.
    private mutating func reserve(bytes: Int, extras: Int) {
        let f = storage.fields.pointee
        let fits = f.textCount + bytes + (f.extraCount + extras) * ExtraSlot.stride <= f.capacity
        if !fits || !isKnownUniquelyReferenced(&storage) { storage = storage.copy(roomFor: bytes, extras: extras) }
    }

    /// Appends a text's bytes; `nil` stays absent.
    private mutating func append(_ s: String?) -> TextSlot {
        guard var s else { return .none }
        return s.withUTF8 { b in
            reserve(bytes: b.count, extras: 0)
            return storage.append(UnsafeRawBufferPointer(b))
        }
    }

    public var format: String {
        get { storage.fields.pointee.format }
        set { fields.pointee.format = newValue }
    }
    public var line: Int {
        get { storage.fields.pointee.line }
        set { fields.pointee.line = newValue }
    }
    public var start: ZonedTime? {
        get { storage.fields.pointee.start }
        set { fields.pointee.start = newValue }
    }
    public var end: ZonedTime? {
        get { storage.fields.pointee.end }
        set { fields.pointee.end = newValue }
    }
    public var durationSeconds: Int? {
        get { storage.fields.pointee.durationSeconds }
        set { fields.pointee.durationSeconds = newValue }
    }
    public var ringSeconds: Int? {
        get { storage.fields.pointee.ringSeconds }
        set { fields.pointee.ringSeconds = newValue }
    }
    public var holdSeconds: Int? {
        get { storage.fields.pointee.holdSeconds }
        set { fields.pointee.holdSeconds = newValue }
    }
    public var parkSeconds: Int? {
        get { storage.fields.pointee.parkSeconds }
        set { fields.pointee.parkSeconds = newValue }
    }
    public var direction: Direction? {
        get { storage.fields.pointee.direction }
        set { fields.pointee.direction = newValue }
    }
    public var answered: Bool? {
        get { storage.fields.pointee.answered }
        set { fields.pointee.answered = newValue }
    }
    public var units: Int? {
        get { storage.fields.pointee.units }
        set { fields.pointee.units = newValue }
    }
    public var continuation: Bool {
        get { storage.fields.pointee.continuation }
        set { fields.pointee.continuation = newValue }
    }
    public var flags: CallFlags {
        get { storage.fields.pointee.flags }
        set { fields.pointee.flags = newValue }
    }
    /// Stream position of the record's first byte (see ``FramedLine/offset``); not part of the JSON form.
    public var offset: Int64 {
        get { storage.fields.pointee.offset }
        set { fields.pointee.offset = newValue }
    }

    public var raw: String {
        get { storage.string(storage.fields.pointee.rawSlot) ?? "" }
        set {
            let slot = append(newValue)
            fields.pointee.rawSlot = slot
        }
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
        get { storage.string(storage.fields.pointee[slot: field]) }
        set {
            let slot = append(newValue)
            fields.pointee[slot: field] = slot
        }
    }

    /// Format-specific fields, in the order they were set.
    public var extras: [ExtraField] {
        get { (0..<storage.fields.pointee.extraCount).map { field(storage.extra($0)) } }
        set {
            fields.pointee.extraCount = 0
            addExtras(newValue)
        }
    }

    /// The text fields a format can set from columns of its line.
    public enum TextField: Sendable {
        case extension_, extensionName, trunk, number, dialed, accountCode, pbxCost, currency, callID
    }

    /// Sets a field to columns `r` of the record's line (what `t.string(r)` reads: absent when
    /// empty). `t` is the line the record was made from (``init(format:rawText:line:offset:)``).
    public mutating func setText(_ field: TextField, _ t: RawText, _ r: Range<Int>) {
        let slot = slice(t, r)
        fields.pointee[slot: field] = slot
    }

    /// Sets a field to the telephone number in columns `r` (what `t.string(r)?.phoneDigits` reads):
    /// the columns themselves when they are digits already.
    public mutating func setDigits(_ field: TextField, _ t: RawText, _ r: Range<Int>) {
        var plain = !r.isEmpty
        for i in r where !t.p[i].isDigit && !(i == r.lowerBound && t.p[i] == UInt8(ascii: "+") && r.count > 1) {
            plain = false
            break
        }
        let slot = plain && storage.fields.pointee.lineIsText ? slice(t, r) : append(t.string(r)?.phoneDigits)
        fields.pointee[slot: field] = slot
    }

    /// Columns `r` of the record's line, as ``RawText/string(_:)`` reads them: absent when empty.
    private mutating func slice(_ t: RawText, _ r: Range<Int>) -> TextSlot {
        if r.isEmpty { return .none }
        if storage.fields.pointee.lineIsText { return TextSlot(start: r.lowerBound, count: r.count) }
        return append(t.string(r))
    }

    /// Adds a format-specific field; empty strings are not facts and are left out.
    public mutating func setExtra(_ key: String, _ value: ExtraValue?) {
        guard let value else { return }
        if case .string(let s) = value, s.isEmpty { return }
        add(ExtraField(key: key, value: value))
    }

    public mutating func setExtra(_ key: String, _ value: String?) {
        setExtra(key, value.map(ExtraValue.string))
    }

    /// Adds a format-specific field from columns `r` of the record's line (absent when empty).
    public mutating func setExtra(_ key: StaticString, _ t: RawText, _ r: Range<Int>) {
        let slot = slice(t, r)
        guard !slot.isNone, slot.count > 0 else { return }
        reserve(bytes: 0, extras: 1)
        storage.append(ExtraSlot(name: .literal(key), value: .text(slot)))
    }

    /// Adds format-specific fields after those already set.
    public mutating func addExtras(_ fields: [ExtraField]) {
        for f in fields { add(f) }
    }

    private mutating func add(_ f: ExtraField) {
        let key = append(f.key)
        let value: ExtraSlot.Value
        switch f.value {
        case .string(let s): value = .text(append(s))
        case .int(let i): value = .int(i)
        case .bool(let b): value = .bool(b)
        }
        reserve(bytes: 0, extras: 1)
        storage.append(ExtraSlot(name: .text(key), value: value))
    }

    public func extra(_ key: String) -> ExtraValue? {
        for i in 0..<storage.fields.pointee.extraCount where hasKey(storage.extra(i), key) { return field(storage.extra(i)).value }
        return nil
    }

    private func key(_ e: ExtraSlot) -> String {
        switch e.name {
        case .literal(let k): k.description
        case .text(let slot): storage.string(slot) ?? ""
        }
    }

    private func hasKey(_ e: ExtraSlot, _ k: String) -> Bool {
        switch e.name {
        case .literal(let l): l.withUTF8Buffer { l in k.utf8.elementsEqual(l) }
        case .text(let slot): k.utf8.elementsEqual(storage.bytes(slot))
        }
    }

    private func field(_ e: ExtraSlot) -> ExtraField {
        switch e.value {
        case .text(let slot): ExtraField(key: key(e), value: .string(storage.string(slot) ?? ""))
        case .int(let i): ExtraField(key: key(e), value: .int(i))
        case .bool(let b): ExtraField(key: key(e), value: .bool(b))
        }
    }

    /// Lines in the raw text (a multi-line record joins its lines with LF).
    public var rawLineCount: Int {
        let f = storage.fields.pointee
        if f.lineIsText && f.rawSlot.range == 0..<f.lineEnd { return 1 }  // a line holds no line break: the framer cut there
        var n = 1
        for b in storage.bytes(f.rawSlot) where b == 0x0A { n += 1 }
        return n
    }

    /// Whether the record has a time or a duration. Nothing a PBX prints as a call lacks both: such
    /// a "record" is foreign text read by the wrong format. A format hands over a record it cannot
    /// prove readable as `if r.isReadable { .record(r) } else { r.notACall() }`; one whose parser
    /// always sets a time appends it as is.
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

extension RecordFields {
    /// Where a text field lies.
    subscript(slot field: CallRecord.TextField) -> TextSlot {
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
