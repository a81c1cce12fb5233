/// All of one record in one allocation: its scalar fields (the header, ``RecordFields``), then its
/// text bytes, growing up from the start of the tail, and its extra fields (``ExtraSlot``), growing
/// down from the end of the tail.
///
/// Why one allocation: a record is made, handed over and written a million times in a `parse` of a
/// day's capture. As a 270-byte value it was copied about thirteen times on that way (into the
/// event, into the batch, out of it, into the writer), and its text and extras were two more
/// allocations. Held here, a record is one reference: handing it over moves a pointer.
///
/// A field read from the line (an extension, a call id, a name) is a range of the line's bytes
/// (``TextSlot``), not a `String` of its own. Every byte of the text is valid UTF-8: a line is
/// taken as it is only when it is ASCII; any other line goes through ``RawText/string(_:)``
/// (UTF-8, or Latin-1 when not valid UTF-8), as a `String` would.
///
/// ``CallRecord`` is the value type over it: it copies the storage before changing one that is
/// shared (copy on write), so a storage is never changed while another record holds it.
final class RecordStorage: ManagedBuffer<RecordFields, UInt64> {
    /// A storage holding `fields`, with room for `bytes` bytes of text and `extras` extra fields.
    static func make(_ fields: RecordFields, bytes: Int, extras: Int) -> RecordStorage {
        let words = (bytes + extras * ExtraSlot.stride + 7) / 8
        let s = unsafeDowncast(create(minimumCapacity: words) { _ in fields }, to: RecordStorage.self)
        s.fields.pointee.capacity = words * 8
        return s
    }

    @inline(__always) var fields: UnsafeMutablePointer<RecordFields> { withUnsafeMutablePointerToHeader { $0 } }
    @inline(__always) var tail: UnsafeMutableRawPointer { UnsafeMutableRawPointer(withUnsafeMutablePointerToElements { $0 }) }

    /// A copy with room for `bytes` more text bytes and `extras` more extra fields.
    func copy(roomFor bytes: Int, extras: Int) -> RecordStorage {
        let f = fields.pointee
        let need = f.textCount + bytes + (f.extraCount + extras) * ExtraSlot.stride
        let grown = need <= f.capacity ? f.capacity : max(need, 2 * f.capacity)
        let s = RecordStorage.make(f, bytes: grown, extras: 0)
        s.tail.copyMemory(from: tail, byteCount: f.textCount)
        let extraBytes = f.extraCount * ExtraSlot.stride
        (s.tail + (s.fields.pointee.capacity - extraBytes)).copyMemory(from: tail + (f.capacity - extraBytes), byteCount: extraBytes)
        return s
    }

    /// The text bytes of a slot (empty for an absent field).
    @inline(__always) func bytes(_ slot: TextSlot) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: tail + slot.start, count: slot.count)
    }

    func string(_ slot: TextSlot) -> String? {
        guard !slot.isNone else { return nil }
        return String(decoding: bytes(slot), as: UTF8.self)
    }

    /// The `i`th extra field, in the order they were set.
    @inline(__always) func extra(_ i: Int) -> ExtraSlot {
        tail.load(fromByteOffset: fields.pointee.capacity - (i + 1) * ExtraSlot.stride, as: ExtraSlot.self)
    }

    /// Appends bytes known to be valid UTF-8; the caller made room (``CallRecord/reserve(bytes:extras:)``).
    func append(_ b: UnsafeRawBufferPointer) -> TextSlot {
        let start = fields.pointee.textCount
        precondition(start + b.count + fields.pointee.extraCount * ExtraSlot.stride <= fields.pointee.capacity)
        if let base = b.baseAddress { (tail + start).copyMemory(from: base, byteCount: b.count) }
        fields.pointee.textCount = start + b.count
        return TextSlot(start: start, count: b.count)
    }

    /// Appends an extra field; the caller made room.
    func append(_ e: ExtraSlot) {
        let f = fields
        let at = f.pointee.capacity - (f.pointee.extraCount + 1) * ExtraSlot.stride
        precondition(at >= f.pointee.textCount)
        tail.storeBytes(of: e, toByteOffset: at, as: ExtraSlot.self)
        f.pointee.extraCount += 1
    }

    /// The slot's bytes need no JSON escape: they are a range of a plain line.
    @inline(__always) func isPlainJSON(_ slot: TextSlot) -> Bool {
        fields.pointee.lineIsPlainJSON && slot.upperBound <= fields.pointee.lineEnd
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
        return (high & 0x8080_8080_8080_8080 == 0, !escapes)
    }
}

/// A record's scalar fields and where its text fields lie (see ``CallRecord`` for their meaning).
struct RecordFields {
    var format: String
    var line: Int
    var offset: Int64
    var start: ZonedTime?
    var end: ZonedTime?
    var durationSeconds: Int?
    var ringSeconds: Int?
    var holdSeconds: Int?
    var parkSeconds: Int?
    var units: Int?
    var direction: Direction?
    var answered: Bool?
    var continuation = false
    var flags: CallFlags = []

    var rawSlot = TextSlot.none
    var extensionSlot = TextSlot.none
    var extensionNameSlot = TextSlot.none
    var trunkSlot = TextSlot.none
    var numberSlot = TextSlot.none
    var dialedSlot = TextSlot.none
    var accountCodeSlot = TextSlot.none
    var pbxCostSlot = TextSlot.none
    var currencySlot = TextSlot.none
    var callIDSlot = TextSlot.none

    /// Bytes of the tail, text in use, extra fields set.
    var capacity = 0
    var textCount = 0
    var extraCount = 0
    /// The line the record was read from is the text's first bytes, as they are (an ASCII line):
    /// its columns can be taken as slots.
    var lineIsText = false
    /// The end of that line in the text.
    var lineEnd = 0
    /// The line holds no byte JSON escapes (quote, backslash, control byte): a field that is a
    /// range of it is written as it is, with no check.
    var lineIsPlainJSON = false

    init(format: String, line: Int, offset: Int64) {
        self.format = format
        self.line = line
        self.offset = offset
    }
}

/// Where a text field's bytes lie in its record's text; ``none`` for a field the PBX did not give.
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
    var start: Int { Int(start32) }
    var count: Int { isNone ? 0 : Int(count32) }
    var upperBound: Int { start + count }
    var range: Range<Int> { start..<upperBound }
}

/// A format-specific field as a record keeps it: its key and text in the record's text. Plain
/// data (no reference), so that it can lie in the record's storage as bytes.
struct ExtraSlot {
    let name: Name
    let value: Value

    static let stride = (MemoryLayout<ExtraSlot>.stride + 7) / 8 * 8

    /// A key written in a format's source (no copy, no escape to check), or one read at run time.
    enum Name {
        case literal(StaticString)
        case text(TextSlot)
    }

    enum Value {
        case text(TextSlot)
        case int(Int)
        case bool(Bool)
    }
}
