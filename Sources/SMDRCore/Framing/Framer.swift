/// Cuts a byte stream into lines, whatever the PBX uses to end them.
///
/// - LF, CR and CRLF end a line; so does a NUL or an ETX after some text (Samsung ends records
///   with NUL, NEC frames them STX…ETX). A CR or LF right after a NUL/ETX belongs to the same break.
/// - NUL padding (Avaya, Samsung) and form feeds (page headers) are dropped; a form feed also ends
///   a non-empty line.
/// - STX starts a frame; text before it is emitted as a line of its own.
/// - A line longer than `maxLineLength` is cut there and reported as truncated; the rest of it,
///   up to its terminator, is discarded.
/// - Empty lines are counted but not emitted.
///
/// Input may be split at any byte: feeding byte by byte, all at once or in random chunks gives the
/// same lines. Call ``finish(emit:)`` at end of input to flush a last line with no terminator.
public struct Framer: Sendable {
    public let maxLineLength: Int
    private var buffer: [UInt8] = []
    private var line = 1
    private var startLine = 1
    private var pending = Pending.none
    private var truncated = false
    private var inFrame = false

    /// What the last special byte left behind, so that CR+LF, NUL+CR+LF and ETX+CR+LF count as one break.
    private enum Pending: Sendable {
        case none
        /// A CR ended a line: an LF right after it belongs to it.
        case carriageReturn
        /// A NUL or ETX ended a line: a CR or LF right after it belongs to it.
        case soft
    }

    /// Bytes seen so far (the stream position of the next byte), and where the current line began.
    private var position: Int64 = 0
    private var startOffset: Int64 = 0

    public init(maxLineLength: Int = 4096) {
        self.maxLineLength = maxLineLength
    }

    /// A framer that resumes a stream at a line boundary saved by ``resumePoint``.
    public init(maxLineLength: Int = 4096, resumingAt point: ResumePoint) {
        self.maxLineLength = maxLineLength
        position = point.offset
        startOffset = point.offset
        line = point.line
        startLine = point.line
    }

    /// Where to start again so that no line is lost or read twice: the first byte of the line being
    /// assembled (or the next byte when none is), with its line number.
    public struct ResumePoint: Sendable, Equatable {
        public var offset: Int64
        public var line: Int
        public init(offset: Int64, line: Int) {
            self.offset = offset
            self.line = line
        }
    }

    public var resumePoint: ResumePoint {
        buffer.isEmpty && !truncated && !inFrame ? ResumePoint(offset: position, line: line) : ResumePoint(offset: startOffset, line: startLine)
    }

    /// Bytes that end, start or vanish from a line. Everything else is line content.
    private static let special: [Bool] = {
        var t = [Bool](repeating: false, count: 256)
        for b in [0x00, 0x02, 0x03, 0x0A, 0x0C, 0x0D] { t[b] = true }
        return t
    }()

    public mutating func push(_ chunk: some Collection<UInt8>, emit: (FramedLine) -> Void) {
        let done = chunk.withContiguousStorageIfAvailable { push(buffer: $0, emit: emit) }
        if done == nil {
            let copy = Array(chunk)
            copy.withUnsafeBufferPointer { push(buffer: $0, emit: emit) }
        }
    }

    public mutating func push(buffer p: UnsafeBufferPointer<UInt8>, emit: (FramedLine) -> Void) {
        let special = Framer.special
        var i = 0
        let base = 0
        let n = p.count
        defer { position += Int64(n) }
        while i < n {
            let b = p[i]
            if !special[Int(b)] {
                // A run of ordinary bytes: append it in one go. Every special byte is below 0x0E:
                // eight bytes at a time while none is (the classic has-less test), then byte by byte.
                var j = i + 1
                if let base = p.baseAddress {
                    let ones: UInt64 = 0x0101_0101_0101_0101
                    while j + 8 <= n {
                        let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self)
                        if (w &- ones &* 0x0E) & ~w & (ones &* 0x80) != 0 { break }
                        j += 8
                    }
                }
                while j < n && !special[Int(p[j])] { j += 1 }
                if buffer.isEmpty && !inFrame && !truncated {
                    startLine = line
                    startOffset = position + Int64(i - base)
                }
                pending = .none
                append(UnsafeBufferPointer(rebasing: p[i..<j]))
                i = j
                continue
            }
            switch b {
            case 0x0A:  // LF
                if pending == .none {
                    endLine(emit)
                    line += 1
                }
                pending = .none
            case 0x0D:  // CR
                if pending != .soft {
                    endLine(emit)
                    line += 1
                }
                pending = .carriageReturn
            case 0x00:  // NUL: padding, or the end of a Samsung record (fill inside a Nortel one: the line says so)
                if !buffer.isEmpty || truncated {
                    endLine(emit, atNUL: true)
                    line += 1
                    pending = .soft
                }
            case 0x02:  // STX
                pending = .none
                if !buffer.isEmpty || truncated { endLine(emit) }
                inFrame = true
                startLine = line
                startOffset = position + Int64(i - base)
            case 0x03:  // ETX
                endLine(emit)
                line += 1
                pending = .soft
            default:  // 0x0C form feed: page break
                pending = .none
                if !buffer.isEmpty || truncated { endLine(emit) }
            }
            i += 1
        }
    }

    public mutating func finish(emit: (FramedLine) -> Void) {
        endLine(emit)
    }

    private mutating func append(_ run: UnsafeBufferPointer<UInt8>) {
        if truncated { return }
        let room = maxLineLength - buffer.count
        if run.count <= room {
            buffer.append(contentsOf: run)
        } else {
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: run[0..<room]))
            truncated = true
        }
    }

    private mutating func endLine(_ emit: (FramedLine) -> Void, atNUL: Bool = false) {
        if !buffer.isEmpty || truncated {
            emit(
                FramedLine(
                    bytes: buffer[...], number: startLine, truncated: truncated, framed: inFrame, offset: startOffset, endedAtNUL: atNUL))
            buffer.removeAll(keepingCapacity: true)
        }
        truncated = false
        inFrame = false
    }
}
