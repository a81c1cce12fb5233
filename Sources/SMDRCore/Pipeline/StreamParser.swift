/// Bytes in, events out: framing, the capture's metadata header, format detection and the
/// format's parser, for one input stream.
///
/// Feed it bytes in chunks of any size, then call ``finish(into:)``. When the format is `auto`,
/// lines are held until ``FormatDetector/sampleSize`` non-blank lines (or the end of input) have
/// been seen, then replayed into the chosen parser.
public struct StreamParser {
    public private(set) var format: FormatHandle?
    /// Auto-detection found no format for the first lines; nothing more is read.
    public private(set) var unrecognised = false
    /// The decoded first lines that detection looked at (for the error message).
    public private(set) var sample: [String] = []

    private let candidates: [FormatHandle]
    private let options: ParseOptions
    private var parser: (any RecordParser)?
    private var framer: Framer
    private var held: [FramedLine] = []
    private var atStart = true

    public init(
        format: FormatHandle?, candidates: [FormatHandle] = FormatHandle.builtIn, options: ParseOptions, maxLineLength: Int = 4096,
        resumingAt point: Framer.ResumePoint? = nil
    ) {
        self.format = format
        self.candidates = candidates
        self.options = options
        if let point {
            self.framer = Framer(maxLineLength: maxLineLength, resumingAt: point)
            atStart = point.offset == 0
        } else {
            self.framer = Framer(maxLineLength: maxLineLength)
        }
        if let format { parser = format.makeParser(options) }
    }

    /// Where a restart must begin so that nothing is lost: the framer's line boundary, or the first
    /// line still held for format detection. `nil` while the parser holds a record back (keep the
    /// previous checkpoint then: records are identified by offset, so reading again adds nothing).
    public var resumePoint: Framer.ResumePoint? {
        if parser?.holding == true { return nil }
        if let first = held.first { return Framer.ResumePoint(offset: first.offset, line: first.number) }
        return framer.resumePoint
    }

    public mutating func push(_ bytes: some Collection<UInt8>, into out: inout [ParseEvent]) {
        var f = framer
        framer = Framer(maxLineLength: f.maxLineLength)  // the real one is in `f`; no buffer is copied
        f.push(bytes) { line in self.handle(line, into: &out) }
        framer = f
    }

    public mutating func push(buffer: UnsafeBufferPointer<UInt8>, into out: inout [ParseEvent]) {
        var f = framer
        framer = Framer(maxLineLength: f.maxLineLength)  // the real one is in `f`; no buffer is copied
        f.push(buffer: buffer) { line in self.handle(line, into: &out) }
        framer = f
    }

    public mutating func finish(into out: inout [ParseEvent]) {
        var f = framer
        framer = Framer(maxLineLength: f.maxLineLength)  // the real one is in `f`; no buffer is copied
        f.finish { line in self.handle(line, into: &out) }
        framer = f
        if parser == nil && !unrecognised { detect(into: &out) }
        parser?.finish(into: &out)
    }

    /// A live source fell quiet: decide the format from the lines held so far (rather than wait
    /// for a full sample) and release records a parser holds for a continuation line. The line
    /// being assembled stays: its end has not come yet.
    public mutating func flushIdle(into out: inout [ParseEvent]) {
        if parser == nil && !unrecognised && !held.isEmpty { detect(into: &out) }
        parser?.finish(into: &out)
    }

    private mutating func handle(_ line: FramedLine, into out: inout [ParseEvent]) {
        if unrecognised { return }
        // A capture may open with a metadata header of `#` lines (Samples/).
        if atStart {
            if line.bytes.first == UInt8(ascii: "#") {
                out.append(.skip(line: line.number, reason: "capture metadata"))
                return
            }
            atStart = false
        }
        if line.bytes.withUnsafeBufferPointer({ !$0.contains { !$0.isBlank } }) {
            out.append(.skip(line: line.number, reason: "blank"))
            return
        }
        guard parser != nil else {
            held.append(line)
            if held.count >= FormatDetector.sampleSize { detect(into: &out) }
            return
        }
        if line.truncated {
            out.append(
                .reject(
                    Reject(
                        line: line.number, text: line.bytes.decoded,
                        reason: "line longer than \(framer.maxLineLength) bytes, cut there: no SMDR record is this long; check the port speed and parity, or that this is an SMDR stream",
                        format: format?.id, offset: line.offset)))
            return
        }
        parser!.parse(line, into: &out)
    }

    private mutating func detect(into out: inout [ParseEvent]) {
        sample = held.map { $0.bytes.decoded }
        guard !held.isEmpty else { return }
        guard let chosen = FormatDetector.detect(sample, among: candidates) else {
            unrecognised = true
            held = []
            return
        }
        format = chosen
        parser = chosen.makeParser(options)
        let lines = held
        held = []
        for line in lines { handle(line, into: &out) }
    }
}
