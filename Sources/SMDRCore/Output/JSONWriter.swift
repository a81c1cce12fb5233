import Foundation

/// A small JSON writer into bytes: the record JSON and the live events are written with it (no
/// Foundation encoder on the per-record path).
public struct JSONWriter {
    public var out: [UInt8]
    var needsComma = false

    public init(out: [UInt8] = []) { self.out = out }

    public mutating func open() {
        out.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func key(_ k: StaticString) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    public mutating func key(_ k: String) {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
        string(k)
        out.append(UInt8(ascii: ":"))
    }

    public mutating func null() { out.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C]) }

    public mutating func int(_ v: Int?) {
        RawJSONWriter.append(to: &out, bound: RawJSONWriter.scalarBound) { $0.int(v) }
    }

    public mutating func bool(_ v: Bool?) {
        guard let v else { return null() }
        if v { out.append(contentsOf: [0x74, 0x72, 0x75, 0x65]) } else { out.append(contentsOf: [0x66, 0x61, 0x6C, 0x73, 0x65]) }
    }

    public mutating func time(_ t: ZonedTime?) {
        guard let t else { return null() }
        out.append(UInt8(ascii: "\""))
        t.appendISO8601(to: &out)
        out.append(UInt8(ascii: "\""))
    }

    public mutating func string(_ s: String?) {
        guard var s else { return null() }
        s.withUTF8 { bytes(UnsafeRawBufferPointer($0)) }
    }

    /// A JSON string of UTF-8 bytes (escaped where it must be: ``RawJSONWriter/bytes(_:)``).
    public mutating func bytes(_ buf: UnsafeRawBufferPointer) {
        RawJSONWriter.append(to: &out, bound: RawJSONWriter.stringBound(buf.count)) { $0.bytes(buf) }
    }

    public mutating func close() {
        out.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func int64(_ v: Int64?) { int(v.map { Int($0) }) }

    /// Already-encoded JSON (an object written elsewhere).
    public mutating func raw(_ json: String) { out.append(contentsOf: json.utf8) }

    public mutating func openArray() {
        out.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func closeArray() {
        out.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Before an element of an array (an object, or a scalar: the next element gets its comma).
    public mutating func element() {
        if needsComma { out.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    public var text: String { String(decoding: out, as: UTF8.self) }
}
