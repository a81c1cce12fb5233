/// One record-sized piece of the input as the framer cut it: the bytes of a line without its
/// terminator (CR, LF, CRLF, NUL, ETX), with form feeds and NUL padding removed.
public struct FramedLine: Sendable {
    /// The line's bytes (indices are not zero-based: use ``text``).
    public var bytes: ArraySlice<UInt8>
    /// 1-based line of the input where this line starts.
    public var number: Int
    /// The line was longer than the framer's bound; `bytes` holds its beginning only.
    public var truncated: Bool
    /// The line came inside an STX…ETX frame (NEC).
    public var framed: Bool
    /// Position of the line's first byte in the stream (bytes since the stream began): with the
    /// source, the identity of a record across restarts.
    public var offset: Int64
    /// The line ended at a NUL: a Samsung record's end, or fill inside a Nortel record (see ``SMDRFormat/nulIsFill``).
    public var endedAtNUL: Bool

    public init(
        bytes: ArraySlice<UInt8>, number: Int, truncated: Bool = false, framed: Bool = false, offset: Int64 = 0, endedAtNUL: Bool = false
    ) {
        self.bytes = bytes
        self.endedAtNUL = endedAtNUL
        self.number = number
        self.truncated = truncated
        self.framed = framed
        self.offset = offset
    }

    public init(_ string: String, number: Int = 1) {
        self.init(bytes: ArraySlice(Array(string.utf8)), number: number)
    }

    /// Zero-based column access to the bytes.
    public var text: ByteText { ByteText(bytes) }
}
