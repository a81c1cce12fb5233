/// The text of one record's fields, held as bytes in one buffer: the raw line first, then the
/// bytes of every field set from a `String`. A field read from the line (an extension, a call id,
/// a name) is a range of the line's bytes (``TextSlot``), not a `String` of its own: making a
/// record costs one allocation however many fields it has, and its JSON is written from these
/// bytes. Fields are `String`s again when read through ``CallRecord``'s properties.
///
/// Every byte here is valid UTF-8: a line is taken as it is only when it is ASCII; any other line
/// goes through ``RawText/string(_:)`` (UTF-8, or Latin-1 when not valid UTF-8), as a `String` would.
struct RecordText: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Where the line the record was read from starts in `bytes`, when its ranges can be taken as
    /// they are (an ASCII line); `nil` otherwise.
    private(set) var lineBase: Int?
    /// The end of the line in `bytes` (its start is `lineBase`, 0).
    private(set) var lineEnd = 0
    /// The line holds no byte JSON escapes (quote, backslash, control byte): a field that is a
    /// range of it is written as it is, with no check.
    private(set) var lineIsPlainJSON = false

    init() {}

    /// A buffer starting with `line`, kept as it is when ASCII, with room for a few more fields.
    init(line t: RawText) {
        let (ascii, plain) = RecordText.scan(t)
        if ascii {
            bytes.reserveCapacity(t.count + 48)
            bytes.append(contentsOf: t.p)
            lineBase = 0
            lineEnd = t.count
            lineIsPlainJSON = plain
        }
    }

    /// Whether the line is ASCII, and holds no byte JSON escapes: one pass, eight bytes at a time.
    static func scan(_ t: RawText) -> (ascii: Bool, plainJSON: Bool) {
        let raw = UnsafeRawBufferPointer(t.p)
        var high: UInt64 = 0
        var escapes = false
        var i = 0
        while i + 8 <= raw.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            high |= w
            if RawJSONWriter.wordNeedsEscape(w) { escapes = true }
            i += 8
        }
        if i < raw.count {
            let tail = UnsafeRawBufferPointer(rebasing: raw[i...])
            for b in tail { high |= UInt64(b) }
            escapes = escapes || RawJSONWriter.needsEscape(tail)
        }
        return (high & 0x80 == 0 && high & 0x8080_8080_8080_8080 == 0, !escapes)
    }

    /// The slot's bytes need no JSON escape: they are a range of a plain line.
    @inline(__always) func isPlainJSON(_ slot: TextSlot) -> Bool { lineIsPlainJSON && slot.range.upperBound <= lineEnd }

    /// The slot is the whole line (which holds no line break: the framer cut there).
    func isWholeLine(_ slot: TextSlot) -> Bool { lineBase != nil && slot.range == 0..<lineEnd }

    /// Appends a field's text; `nil` stays absent.
    mutating func append(_ s: String?) -> TextSlot {
        guard let s else { return .none }
        let start = bytes.count
        bytes.append(contentsOf: s.utf8)
        return TextSlot(start: start, count: bytes.count - start)
    }

    /// Appends bytes known to be valid UTF-8.
    mutating func append(bytes b: UnsafeBufferPointer<UInt8>) -> TextSlot {
        let start = bytes.count
        bytes.append(contentsOf: b)
        return TextSlot(start: start, count: b.count)
    }

    /// Columns `r` of the record's line, as ``RawText/string(_:)`` reads them: absent when empty.
    mutating func slice(_ t: RawText, _ r: Range<Int>) -> TextSlot {
        if r.isEmpty { return .none }
        if let lineBase { return TextSlot(start: lineBase + r.lowerBound, count: r.count) }
        return append(t.string(r))
    }

    func string(_ slot: TextSlot) -> String? {
        guard !slot.isNone else { return nil }
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[slot.range]), as: UTF8.self) }
    }

    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        bytes.withUnsafeBytes(body)
    }
}

/// Where a text field's bytes lie in its record's ``RecordText``; ``none`` for a field the PBX did not give.
struct TextSlot: Sendable, Equatable {
    private var start32: UInt32
    private var count32: UInt32

    init(start: Int, count: Int) {
        start32 = UInt32(start)
        count32 = UInt32(count)
    }

    static let none = TextSlot(absent: ())
    private init(absent: Void) {
        start32 = 0
        count32 = .max
    }

    var isNone: Bool { count32 == .max }
    var count: Int { isNone ? 0 : Int(count32) }
    var range: Range<Int> { Int(start32)..<(Int(start32) + count) }
}

/// A format-specific field as a record keeps it: its text in the record's ``RecordText``.
struct ExtraSlot: Sendable {
    let name: Name
    let value: Value

    /// A key written in a format's source (no copy, no escape to check), or one read at run time.
    enum Name: Sendable {
        case literal(StaticString)
        case text(String)
    }

    var key: String {
        switch name {
        case .literal(let k): k.description
        case .text(let k): k
        }
    }

    func hasKey(_ k: String) -> Bool {
        switch name {
        case .literal(let l): l.withUTF8Buffer { l in k.utf8.elementsEqual(l) }
        case .text(let t): t == k
        }
    }

    enum Value: Sendable {
        case text(TextSlot)
        case int(Int)
        case bool(Bool)
    }

    init(key: StaticString, value: Value) {
        name = .literal(key)
        self.value = value
    }

    init(_ field: ExtraField, in text: inout RecordText) {
        name = .text(field.key)
        switch field.value {
        case .string(let s): value = .text(text.append(s))
        case .int(let i): value = .int(i)
        case .bool(let b): value = .bool(b)
        }
    }

    func field(in text: RecordText) -> ExtraField {
        switch value {
        case .text(let slot): ExtraField(key: key, value: .string(text.string(slot) ?? ""))
        case .int(let i): ExtraField(key: key, value: .int(i))
        case .bool(let b): ExtraField(key: key, value: .bool(b))
        }
    }
}
